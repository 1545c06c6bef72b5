package checks

import "github.com/palisade-dev/palisade/internal/finding"

func netNoDefaultDenyEgress() Check {
	return Check{
		ID:       "net/no-default-deny-egress",
		Title:    "Namespace has no default-deny egress NetworkPolicy",
		Severity: finding.SeverityMedium,
		Rationale: "Pods reach every pod, node and address (the cloud metadata endpoint and the internet included) until " +
			"a NetworkPolicy isolates them for egress; a default-deny egress policy limits a compromised pod to the " +
			"destinations other policies allow. policyTypes must name Egress: a policy that omits policyTypes and has " +
			"no egress rules only isolates ingress (Kubernetes docs, Network Policies: Default deny all egress traffic; " +
			"EKS Best Practices Guide, Network security: Create a default deny policy; GKE hardening guide: Restrict " +
			"traffic among Pods with a network policy).",
		Remediation: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-egress
  namespace: my-namespace
spec:
  podSelector: {}
  policyTypes: [Egress]
# then allow DNS and the destinations each workload needs
`,
		Kinds: []string{"Namespace"},
		Needs: netDefaultDenyNeeds,
		Run: func(ctx *Context, o *Object) []Violation {
			return netRunDefaultDeny(ctx, o, true)
		},
	}
}
