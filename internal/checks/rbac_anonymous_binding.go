package checks

import (
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

var rbacAnonymousBinding = Check{
	ID:       "rbac/anonymous-binding",
	Title:    "Binding to system:anonymous, system:unauthenticated or system:authenticated",
	Severity: finding.SeverityHigh,
	Rationale: "system:anonymous and system:unauthenticated are every client that reaches the API server, and " +
		"on GKE system:authenticated is anyone signed in with any Google account, so a role bound to them is " +
		"granted to the world (GKE RBAC best practices, \"Avoid default roles and groups\"; CIS GKE Benchmark " +
		"4.1.10, \"Avoid non-default bindings to system:authenticated\"; Kubernetes docs, RBAC Good Practices, " +
		"\"Review bindings for the system:unauthenticated group and remove them where possible\"). The GKE " +
		"guide's own example that binds system:authenticated is reported too. Exempt are only the bindings " +
		"Kubernetes itself makes to the discovery roles system:basic-user, system:discovery and " +
		"system:public-info-viewer.",
	Remediation: "subjects:\n- kind: Group\n  apiGroup: rbac.authorization.k8s.io\n  name: app-readers@example.com\n",
	Kinds:       []string{"RoleBinding", "ClusterRoleBinding"},
	Run:         runRBACAnonymousBinding,
}

// anonymousSubject reports whether s stands for everyone: the anonymous
// user, or the unauthenticated or authenticated group.
func anonymousSubject(s rbacv1.Subject) bool {
	switch s.Kind {
	case rbacv1.UserKind:
		return s.Name == "system:anonymous"
	case rbacv1.GroupKind:
		return s.Name == "system:unauthenticated" || s.Name == "system:authenticated"
	}
	return false
}

var anonymousWho = map[string]string{
	"system:anonymous":       "every unauthenticated request",
	"system:unauthenticated": "every unauthenticated request",
	"system:authenticated":   "every authenticated user; on GKE any Google account",
}

func runRBACAnonymousBinding(_ *Context, o *Object) []Violation {
	b, ok := rbacBinding(o)
	if !ok {
		return nil
	}
	if b.RoleRef.Kind == "ClusterRole" {
		switch b.RoleRef.Name {
		case "system:basic-user", "system:discovery", "system:public-info-viewer":
			return nil
		}
	}
	var out []Violation
	for i, s := range b.Subjects {
		if !anonymousSubject(s) {
			continue
		}
		p := fmt.Sprintf("subjects[%d]", i)
		out = append(out, Violation{Path: p, Message: fmt.Sprintf("%s (%s) gets %s %s (%s)",
			subjectName(s, o.Namespace), anonymousWho[s.Name], roleName(b.RoleRef.Kind, o.Namespace, b.RoleRef.Name), grantScope(o), p)})
	}
	return out
}
