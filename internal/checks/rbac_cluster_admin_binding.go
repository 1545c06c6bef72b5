package checks

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

var rbacClusterAdminBinding = Check{
	ID:       "rbac/cluster-admin-binding",
	Title:    "Binding to cluster-admin",
	Severity: finding.SeverityHigh,
	Rationale: "cluster-admin allows every verb on every resource: through a ClusterRoleBinding in the whole " +
		"cluster, through a RoleBinding in the whole namespace, the Namespace object included (CIS Kubernetes " +
		"Benchmark 5.1.1, \"Ensure that the cluster-admin role is only used where required\"; Kubernetes docs, RBAC " +
		"Good Practices, \"Administrators should not use cluster-admin accounts except where specifically " +
		"needed\"; GKE RBAC best practices, \"Avoid default roles and groups\"). Every subject is reported except " +
		"system subjects: the group system:masters (Kubernetes' own cluster-admin binding) and system: users of " +
		"control-plane components (system:kube-controller-manager, ...). ServiceAccounts are always reported, " +
		"kube-system ones included, and so are users and groups standing for many identities " +
		"(system:serviceaccount:*, system:serviceaccounts*, system:node*, system:nodes, system:bootstrappers*); " +
		"system:anonymous, system:unauthenticated and system:authenticated are rbac/anonymous-binding's findings.",
	Remediation: "# Bind a narrower role, in the namespace that needs it:\n" +
		"kind: RoleBinding\nmetadata:\n  namespace: app\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: edit\n" +
		"subjects:\n- kind: Group\n  apiGroup: rbac.authorization.k8s.io\n  name: app-admins\n",
	Kinds: []string{"RoleBinding", "ClusterRoleBinding"},
	Run:   runRBACClusterAdminBinding,
}

// systemSubject reports whether s is a control-plane identity that may
// hold cluster-admin: the system:masters group, or a system: user that is not
// a ServiceAccount, a node, a bootstrap token or an anonymous user.
func systemSubject(s rbacv1.Subject) bool {
	switch s.Kind {
	case rbacv1.GroupKind:
		return s.Name == "system:masters"
	case rbacv1.UserKind:
		if !strings.HasPrefix(s.Name, "system:") || anonymousSubject(s) {
			return false
		}
		for _, p := range []string{"system:serviceaccount:", "system:node:", "system:bootstrap:"} {
			if strings.HasPrefix(s.Name, p) {
				return false
			}
		}
		return true
	}
	return false
}

func runRBACClusterAdminBinding(_ *Context, o *Object) []Violation {
	b, ok := rbacBinding(o)
	if !ok || b.RoleRef.Kind != "ClusterRole" || b.RoleRef.Name != "cluster-admin" {
		return nil
	}
	var out []Violation
	for i, s := range b.Subjects {
		if systemSubject(s) || anonymousSubject(s) {
			continue
		}
		p := fmt.Sprintf("subjects[%d]", i)
		out = append(out, Violation{Path: p, Message: fmt.Sprintf("%s gets cluster-admin %s (%s)",
			subjectName(s, o.Namespace), grantScope(o), p)})
	}
	return out
}
