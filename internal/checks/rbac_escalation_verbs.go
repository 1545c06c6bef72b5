package checks

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

var rbacEscalationVerbs = Check{
	ID:       "rbac/escalation-verbs",
	Title:    "Role grants escalate, bind or impersonate",
	Severity: finding.SeverityHigh,
	Rationale: "escalate lets a subject write roles with permissions it does not hold, bind lets it bind any role " +
		"(cluster-admin included) without holding its permissions, and impersonate lets it act as any user, group " +
		"or ServiceAccount: each is a path to cluster-admin (Kubernetes docs, RBAC Good Practices, \"Escalate verb\", " +
		"\"Bind verb\", \"Impersonate verb\"; CIS Kubernetes Benchmark 5.1.8, \"Limit use of the Bind, Impersonate " +
		"and Escalate permissions\"; GKE RBAC best practices, \"Use the principle of least privilege\"). A verb counts " +
		"where it has effect: escalate and bind on roles or clusterroles of rbac.authorization.k8s.io, impersonate on " +
		"users, groups, serviceaccounts, uids or userextras; a resourceNames list narrows the grant but is still " +
		"reported. verbs: [\"*\"] is rbac/wildcard's finding.",
	Remediation: "# Grant bind only on the roles the subject may hand out:\n" +
		"rules:\n- apiGroups: [\"rbac.authorization.k8s.io\"]\n  resources: [\"clusterroles\"]\n  resourceNames: [\"view\"]\n  verbs: [\"bind\"]\n",
	Kinds: []string{"Role", "ClusterRole"},
	Run:   runRBACEscalationVerbs,
}

// escalationTargets are, per verb, the API groups and resources where it
// has effect, and what it lets the subject do.
var escalationTargets = map[string]struct {
	groups, resources []string
	what              string
}{
	"escalate": {[]string{"rbac.authorization.k8s.io"}, []string{"roles", "clusterroles"},
		"write roles with permissions it does not hold"},
	"bind": {[]string{"rbac.authorization.k8s.io"}, []string{"roles", "clusterroles"},
		"bind roles whose permissions it does not hold, cluster-admin included"},
	"impersonate": {[]string{"", "authentication.k8s.io"}, []string{"users", "groups", "serviceaccounts", "uids", "userextras"},
		"act as other users, groups or ServiceAccounts"},
}

func runRBACEscalationVerbs(_ *Context, o *Object) []Violation {
	role, ok := rbacRole(o)
	if !ok {
		return nil
	}
	var out []Violation
	for i, r := range role.Rules {
		for j, verb := range r.Verbs {
			t, ok := escalationTargets[verb]
			if !ok || slices.Index(r.Verbs, verb) != j {
				continue
			}
			if !slices.ContainsFunc(t.groups, func(g string) bool { return hasGroup(r, g) }) {
				continue
			}
			var on []string
			for _, res := range r.Resources {
				base, _, _ := strings.Cut(res, "/")
				if res == rbacv1.ResourceAll || slices.Contains(t.resources, base) {
					on = append(on, res)
				}
			}
			if len(on) == 0 {
				continue
			}
			p := rulePath(i, "verbs", j)
			out = append(out, Violation{Path: p, Message: fmt.Sprintf("%s grants %s on %s: the subject can %s (%s)",
				roleName(o.Kind, o.Namespace, o.Name), verb, strings.Join(on, ", "), t.what, p)})
		}
	}
	return out
}
