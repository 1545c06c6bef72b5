package checks

import (
	"fmt"

	"github.com/palisade-dev/palisade/internal/finding"
)

var rbacPodExecAndProxy = Check{
	ID:       "rbac/pod-exec-and-proxy",
	Title:    "Role grants exec, attach, port-forward, node proxy, token or CSR approval",
	Severity: finding.SeverityHigh,
	Rationale: "These subresources reach past the API's object model: pods/exec and pods/attach run commands in or " +
		"attach to containers (reading their mounted secrets), pods/portforward reaches any port of a pod past " +
		"NetworkPolicies, nodes/proxy is the whole kubelet API (exec in every pod of the node), " +
		"serviceaccounts/token mints tokens of other ServiceAccounts, and update on " +
		"certificatesigningrequests/approval approves certificates, such as client certificates for any user " +
		"(Kubernetes docs, RBAC Good Practices, \"Kubernetes RBAC - privilege escalation risks\"; GKE RBAC best " +
		"practices, \"Use the principle of least privilege\"). The verbs that count are create and get on " +
		"exec/attach/portforward (API servers authorized WebSocket streams with get before Kubernetes 1.31's " +
		"AuthorizePodWebsocketUpgradeCreatePermission), every verb on nodes/proxy, create on serviceaccounts/token, " +
		"update and patch on the approval subresource, and \"*\". Entries such as \"*/exec\" count; " +
		"resources: [\"*\"] is rbac/wildcard's finding. nodes/proxy and CSR approval are cluster-scoped, so a Role " +
		"granting them grants nothing and is not reported.",
	Remediation: "# Drop the subresource; give debugging access through a separate, audited role bound on demand:\n" +
		"rules:\n- apiGroups: [\"\"]\n  resources: [\"pods\", \"pods/log\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n",
	Kinds: []string{"Role", "ClusterRole"},
	Run:   runRBACPodExecAndProxy,
}

// sensitiveSubresources are the subresources rbac/pod-exec-and-proxy reports,
// the verbs that count on each (nil: every verb), and what they allow.
var sensitiveSubresources = []struct {
	group, resource string
	verbs           []string
	clusterScoped   bool
	what            string
}{
	{"", "pods/exec", []string{"create", "get"}, false, "run commands in containers"},
	{"", "pods/attach", []string{"create", "get"}, false, "attach to the processes of containers"},
	{"", "pods/portforward", []string{"create", "get"}, false, "reach any port of pods, past NetworkPolicies"},
	{"", "nodes/proxy", nil, true, "use the whole kubelet API, including exec in every pod of a node"},
	{"", "serviceaccounts/token", []string{"create"}, false, "mint tokens of ServiceAccounts"},
	{"certificates.k8s.io", "certificatesigningrequests/approval", []string{"update", "patch"}, true,
		"approve certificate requests, such as client certificates for any user"},
}

func runRBACPodExecAndProxy(_ *Context, o *Object) []Violation {
	role, ok := rbacRole(o)
	if !ok {
		return nil
	}
	var out []Violation
	for i, r := range role.Rules {
		for _, s := range sensitiveSubresources {
			if s.clusterScoped && o.Kind == "Role" {
				continue
			}
			if !hasGroup(r, s.group) {
				continue
			}
			j := namedResource(r, s.resource)
			if j < 0 {
				continue
			}
			want := s.verbs
			if want == nil {
				want = r.Verbs // every verb counts
			}
			vs := grantedVerbs(r, want...)
			if len(vs) == 0 {
				continue
			}
			p := rulePath(i, "resources", j)
			on := s.resource
			if r.Resources[j] != s.resource {
				on = fmt.Sprintf("%s (through %q)", s.resource, r.Resources[j])
			}
			out = append(out, Violation{Path: p, Message: fmt.Sprintf("%s grants %s on %s: the subject can %s (%s)",
				roleName(o.Kind, o.Namespace, o.Name), verbList(vs), on, s.what, p)})
		}
	}
	return out
}
