package checks

import (
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

var rbacDefaultServiceAccountBound = Check{
	ID:       "rbac/default-service-account-bound",
	Title:    "Binding grants rights to a default ServiceAccount",
	Severity: finding.SeverityMedium,
	Rationale: "Every pod that names no serviceAccountName runs as its namespace's default ServiceAccount, so a " +
		"role bound to it is granted to every such pod, present and future (CIS Kubernetes Benchmark 5.1.5, " +
		"\"Ensure that default service accounts are not actively used\"; Kubernetes docs, Using RBAC " +
		"Authorization, \"Service account permissions\": grant roles to an application-specific service account; " +
		"EKS Best Practices Guide, Identity and Access Management, \"Use dedicated service accounts for each " +
		"application\"). Create a ServiceAccount for the workload and bind that.",
	Remediation: "subjects:\n- kind: ServiceAccount\n  name: app   # a dedicated ServiceAccount, set as the pod's serviceAccountName\n  namespace: app\n",
	Kinds:       []string{"RoleBinding", "ClusterRoleBinding"},
	Run:         runRBACDefaultServiceAccountBound,
}

func runRBACDefaultServiceAccountBound(_ *Context, o *Object) []Violation {
	b, ok := rbacBinding(o)
	if !ok {
		return nil
	}
	var out []Violation
	for i, s := range b.Subjects {
		if s.Kind != rbacv1.ServiceAccountKind || s.Name != "default" {
			continue
		}
		p := fmt.Sprintf("subjects[%d]", i)
		out = append(out, Violation{Path: p, Message: fmt.Sprintf("the default ServiceAccount (%s) gets %s %s: every pod of its namespace that names no serviceAccountName has it (%s)",
			subjectName(s, o.Namespace), roleName(b.RoleRef.Kind, o.Namespace, b.RoleRef.Name), grantScope(o), p)})
	}
	return out
}
