package checks

import (
	"fmt"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

var rbacUnusedRole = Check{
	ID:       "rbac/unused-role",
	Title:    "Role or ClusterRole referenced by no binding",
	Severity: finding.SeverityLow,
	Rationale: "A role no binding references grants nothing today, but whoever can create bindings can use it, " +
		"and a stale role hides among the live ones in every review (GKE RBAC best practices: review RBAC " +
		"periodically and remove unused roles; Kubernetes docs, RBAC Good Practices, \"Periodic review\"). Not " +
		"reported for roles a cluster or controller uses without a binding in the input: names starting with " +
		"system:, ClusterRoles with an aggregationRule or an aggregate-to-* label (their rules are aggregated " +
		"into other roles, such as admin, edit and view), and roles labelled kubernetes.io/bootstrapping. A Role " +
		"without a namespace matches bindings of any namespace.",
	Remediation: "# Bind the role where it is needed, or delete it:\n" +
		"kind: RoleBinding\nmetadata:\n  name: app-reader\n  namespace: app\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n" +
		"  kind: Role\n  name: app-reader\nsubjects:\n- kind: ServiceAccount\n  name: app\n  namespace: app\n",
	Kinds: []string{"Role", "ClusterRole"},
	Needs: "the input holds at least one RoleBinding or ClusterRoleBinding",
	Run:   runRBACUnusedRole,
}

func runRBACUnusedRole(ctx *Context, o *Object) []Violation {
	if ctx.Inventory == nil || o.APIVersion != rbacAPIVersion || strings.HasPrefix(o.Name, "system:") {
		return nil
	}
	if len(ctx.Inventory.Bindings()) == 0 {
		return nil
	}
	for k := range o.Labels {
		if k == "kubernetes.io/bootstrapping" || (o.Kind == "ClusterRole" && strings.Contains(k, "aggregate-to-")) {
			return nil
		}
	}
	if _, ok := o.Content["aggregationRule"]; ok && o.Kind == "ClusterRole" {
		return nil
	}
	for _, b := range ctx.Inventory.BindingsOf(o.Kind, o.Name) {
		if o.Kind == "ClusterRole" || o.Namespace == "" || b.Namespace == "" || b.Namespace == o.Namespace {
			return nil
		}
	}
	by := "RoleBinding"
	if o.Kind == "ClusterRole" {
		by = "RoleBinding or ClusterRoleBinding"
	}
	return []Violation{{Path: "metadata.name", Message: fmt.Sprintf("%s is referenced by no %s in the input (metadata.name)",
		roleName(o.Kind, o.Namespace, o.Name), by)}}
}
