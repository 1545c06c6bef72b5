package checks

import (
	"fmt"

	"github.com/palisade-dev/palisade/internal/finding"
)

var rbacBindingMissingRole = Check{
	ID:       "rbac/binding-missing-role",
	Title:    "Binding to a role that is not in the input",
	Severity: finding.SeverityLow,
	Rationale: "A binding whose role does not exist grants nothing now, and grants whatever a role of that name " +
		"holds once anyone creates it: a dangling grant that is easy to hijack and hard to review (Kubernetes " +
		"docs, RBAC Good Practices, \"Periodic review\" of redundant entries; GKE RBAC best practices, \"Use the " +
		"principle of least privilege\"). Only checked when the input holds roles, so that it describes the " +
		"RBAC set; the roles every cluster has (the ClusterRoles cluster-admin, admin, edit, view, roles named " +
		"system:*, and the Role kube-system/extension-apiserver-authentication-reader) are not reported. A Role " +
		"in the binding's namespace or without a namespace counts.",
	Remediation: "# Ship the role with its binding, or point roleRef at one that exists:\n" +
		"roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: view\n",
	Kinds: []string{"RoleBinding", "ClusterRoleBinding"},
	Needs: "the input holds at least one Role or ClusterRole",
	Run:   runRBACBindingMissingRole,
}

func runRBACBindingMissingRole(ctx *Context, o *Object) []Violation {
	if ctx.Inventory == nil || !ctx.Inventory.HasRoles() {
		return nil
	}
	b, ok := rbacBinding(o)
	if !ok {
		return nil
	}
	ref := b.RoleRef
	if builtinRole(ref.Kind, o.Namespace, ref.Name) {
		return nil
	}
	switch ref.Kind {
	case "ClusterRole":
		if _, ok := ctx.Inventory.Role("ClusterRole", "", ref.Name); ok {
			return nil
		}
	case "Role":
		if _, ok := ctx.Inventory.Role("Role", o.Namespace, ref.Name); ok {
			return nil
		}
		if _, ok := ctx.Inventory.Role("Role", "", ref.Name); ok {
			return nil
		}
	default:
		return nil
	}
	return []Violation{{Path: "roleRef.name", Message: fmt.Sprintf("roleRef names %s, which is not in the input (roleRef.name)",
		roleName(ref.Kind, o.Namespace, ref.Name))}}
}
