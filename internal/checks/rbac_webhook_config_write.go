package checks

import (
	"fmt"

	"github.com/palisade-dev/palisade/internal/finding"
)

var rbacWebhookConfigWrite = Check{
	ID:       "rbac/webhook-config-write",
	Title:    "ClusterRole writes admission webhook configurations",
	Severity: finding.SeverityHigh,
	Rationale: "Whoever can create, update, patch or delete ValidatingWebhookConfigurations or " +
		"MutatingWebhookConfigurations can switch admission checks off, or send every object written to the API " +
		"server (Secrets included) to a webhook of their choice and rewrite it, e.g. inject containers into every " +
		"pod (Kubernetes docs, RBAC Good Practices, \"Control admission webhooks\"; GKE RBAC best practices, " +
		"\"Use the principle of least privilege\"). Controllers that patch their own webhook's caBundle " +
		"(cert-manager's cainjector, ingress-nginx's admission job) are true findings to review: limit them with " +
		"resourceNames and except them. Webhook configurations are cluster-scoped, so only ClusterRoles are " +
		"checked; resources: [\"*\"] is rbac/wildcard's finding.",
	Remediation: "rules:\n- apiGroups: [\"admissionregistration.k8s.io\"]\n  resources: [\"validatingwebhookconfigurations\"]\n" +
		"  resourceNames: [\"my-webhook\"]\n  verbs: [\"get\", \"update\"]\n",
	Kinds: []string{"ClusterRole"},
	Run:   runRBACWebhookConfigWrite,
}

func runRBACWebhookConfigWrite(_ *Context, o *Object) []Violation {
	role, ok := rbacRole(o)
	if !ok {
		return nil
	}
	var out []Violation
	for i, r := range role.Rules {
		if !hasGroup(r, "admissionregistration.k8s.io") {
			continue
		}
		vs := grantedVerbs(r, "create", "update", "patch", "delete", "deletecollection")
		if len(vs) == 0 {
			continue
		}
		for _, res := range []string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations"} {
			j := namedResource(r, res)
			if j < 0 {
				continue
			}
			limited := ""
			if len(r.ResourceNames) > 0 {
				limited = " (limited to resourceNames)"
			}
			p := rulePath(i, "resources", j)
			out = append(out, Violation{Path: p, Message: fmt.Sprintf("%s grants %s on %s%s: the subject can disable or redirect admission webhooks (%s)",
				roleName(o.Kind, o.Namespace, o.Name), verbList(vs), res, limited, p)})
		}
	}
	return out
}
