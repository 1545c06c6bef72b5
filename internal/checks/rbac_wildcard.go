package checks

import (
	"fmt"
	"slices"

	"github.com/palisade-dev/palisade/internal/finding"
)

var rbacWildcard = Check{
	ID:       "rbac/wildcard",
	Title:    `Role rule with "*" in verbs, resources or apiGroups`,
	Severity: finding.SeverityMedium,
	Rationale: "A wildcard grants every verb, resource or API group that exists now and every one added later " +
		"(new CRDs, new subresources such as pods/ephemeralcontainers), so the role grows without review " +
		"(Kubernetes docs, RBAC Good Practices: \"Avoid providing wildcard permissions when possible\"; " +
		"CIS Kubernetes Benchmark 5.1.3, \"Minimize wildcard use in Roles and ClusterRoles\"; GKE RBAC best " +
		"practices, \"Use the principle of least privilege\"). One finding per field of a rule that holds a " +
		"bare \"*\"; partial forms such as \"*/scale\" are left to the checks of the resources they reach.",
	Remediation: "rules:\n- apiGroups: [\"apps\"]\n  resources: [\"deployments\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n",
	Kinds:       []string{"Role", "ClusterRole"},
	Run:         runRBACWildcard,
}

func runRBACWildcard(_ *Context, o *Object) []Violation {
	role, ok := rbacRole(o)
	if !ok {
		return nil
	}
	var out []Violation
	for i, r := range role.Rules {
		for _, f := range []struct {
			field string
			vals  []string
			what  string
		}{
			{"apiGroups", r.APIGroups, "the rule's resources in every API group, including CRDs installed later"},
			{"resources", r.Resources, "every resource of the rule's API groups, including ones added later"},
			{"verbs", r.Verbs, "every verb on the rule's resources, present and future"},
		} {
			if j := slices.Index(f.vals, "*"); j >= 0 {
				p := rulePath(i, f.field, j)
				out = append(out, Violation{Path: p, Message: fmt.Sprintf(`"*" in %s grants %s (%s)`, f.field, f.what, p)})
			}
		}
	}
	return out
}
