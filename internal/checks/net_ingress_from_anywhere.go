package checks

import (
	"fmt"

	"github.com/palisade-dev/palisade/internal/finding"
)

func netIngressFromAnywhere() Check {
	return Check{
		ID:       "net/ingress-from-anywhere",
		Title:    "NetworkPolicy allows ingress from any address",
		Severity: finding.SeverityMedium,
		Rationale: "An ingress rule from ipBlock 0.0.0.0/0 or ::/0 lets every address, the internet included, reach the " +
			"selected pods on those ports, whatever load balancer or firewall sits in front; allow the ranges that " +
			"need access instead (Kubernetes docs, Network Policies: ipBlock; EKS Best Practices Guide, Network " +
			"security; NSA/CISA Kubernetes Hardening Guide, Network separation and hardening).",
		Remediation: `spec:
  ingress:
  - from:
    - ipBlock:
        cidr: 10.0.0.0/8   # the ranges that need access
`,
		Kinds: []string{"NetworkPolicy"},
		Run: func(_ *Context, o *Object) []Violation {
			np, ok := netAsNetworkPolicy(o)
			if !ok {
				return nil
			}
			if ingress, _ := netPolicyTypes(&np.Spec); !ingress {
				return nil
			}
			var out []Violation
			for i, r := range np.Spec.Ingress {
				for j, peer := range r.From {
					if peer.IPBlock == nil || !netIsWorld(peer.IPBlock.CIDR) {
						continue
					}
					out = append(out, Violation{
						Path:    fmt.Sprintf("spec.ingress[%d].from[%d].ipBlock.cidr", i, j),
						Message: fmt.Sprintf("ingress rule allows traffic from %s: any address, the internet included", peer.IPBlock.CIDR),
					})
				}
			}
			return out
		},
	}
}
