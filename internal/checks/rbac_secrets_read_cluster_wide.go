package checks

import (
	"fmt"

	"github.com/palisade-dev/palisade/internal/finding"
)

var rbacSecretsReadClusterWide = Check{
	ID:       "rbac/secrets-read-cluster-wide",
	Title:    "ClusterRole that reads Secrets",
	Severity: finding.SeverityHigh,
	Rationale: "get, list or watch on secrets in a ClusterRole bound by a ClusterRoleBinding reads every Secret of " +
		"the cluster: ServiceAccount tokens, TLS keys, cloud credentials; list and watch return the full contents, " +
		"not only names (Kubernetes docs, RBAC Good Practices, \"Listing secrets\"; CIS Kubernetes Benchmark 5.1.2, " +
		"\"Minimize access to secrets\"). The ClusterRole " +
		"itself is the finding, since any ClusterRoleBinding can grant it cluster-wide; it is not raised when the " +
		"input holds bindings of the ClusterRole and all of them are RoleBindings (granted in single namespaces), " +
		"nor for rules limited by resourceNames. A grant that comes only from resources: [\"*\"] is rbac/wildcard's.",
	Remediation: "# A Role in the one namespace that needs it, limited to the named Secret:\n" +
		"kind: Role\nrules:\n- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n  resourceNames: [\"app-config\"]\n  verbs: [\"get\"]\n",
	Kinds: []string{"ClusterRole"},
	Run:   runRBACSecretsReadClusterWide,
}

func runRBACSecretsReadClusterWide(ctx *Context, o *Object) []Violation {
	role, ok := rbacRole(o)
	if !ok {
		return nil
	}
	scope := "once a ClusterRoleBinding grants it, in every namespace"
	if ctx.Inventory != nil {
		bound, crb := false, ""
		for _, b := range ctx.Inventory.BindingsOf("ClusterRole", o.Name) {
			bound = true
			if b.Kind == "ClusterRoleBinding" && crb == "" {
				crb = b.Name
			}
		}
		if bound && crb == "" {
			return nil // only RoleBindings grant it: namespace-scoped
		}
		if crb != "" {
			scope = fmt.Sprintf("in every namespace through ClusterRoleBinding %q", crb)
		}
	}
	var out []Violation
	for i, r := range role.Rules {
		if len(r.ResourceNames) > 0 || !hasGroup(r, "") {
			continue
		}
		j := namedResource(r, "secrets")
		if j < 0 {
			continue
		}
		vs := grantedVerbs(r, "get", "list", "watch")
		if len(vs) == 0 {
			continue
		}
		p := rulePath(i, "resources", j)
		out = append(out, Violation{Path: p, Message: fmt.Sprintf("%s grants %s on secrets %s (%s)",
			roleName(o.Kind, o.Namespace, o.Name), verbList(vs), scope, p)})
	}
	return out
}
