package checks

import (
	"fmt"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

func netLoadBalancerOpenToWorld() Check {
	return Check{
		ID:       "net/loadbalancer-open-to-world",
		Title:    "LoadBalancer source ranges open to the world",
		Severity: finding.SeverityMedium,
		Rationale: "loadBalancerSourceRanges holding 0.0.0.0/0 or ::/0 lets every address reach an internet-facing load " +
			"balancer: the firewall the field configures allows everything (Kubernetes docs: Configure your cloud " +
			"provider's firewalls, Restrict access for LoadBalancer Service; EKS Best Practices Guide, Network security). " +
			"Internal load balancers are not reported.",
		Remediation: `spec:
  loadBalancerSourceRanges:
  - 203.0.113.0/24   # the clients that need it, not 0.0.0.0/0
`,
		Kinds: []string{"Service"},
		Run: func(_ *Context, o *Object) []Violation {
			s, ok := netPublicLB(o)
			if !ok {
				return nil
			}
			var out []Violation
			if len(s.Spec.LoadBalancerSourceRanges) > 0 {
				for i, r := range s.Spec.LoadBalancerSourceRanges {
					if netIsWorld(r) {
						out = append(out, Violation{
							Path:    fmt.Sprintf("spec.loadBalancerSourceRanges[%d]", i),
							Message: fmt.Sprintf("loadBalancerSourceRanges allows %s: any address can reach the load balancer", strings.TrimSpace(r)),
						})
					}
				}
				return out // the field wins over the annotation
			}
			for _, r := range strings.Split(o.Annotations[netSourceRangesAnnotation], ",") {
				if netIsWorld(r) {
					out = append(out, Violation{
						Path:    "metadata.annotations[" + netSourceRangesAnnotation + "]",
						Message: fmt.Sprintf("%s allows %s: any address can reach the load balancer", netSourceRangesAnnotation, strings.TrimSpace(r)),
					})
				}
			}
			return out
		},
	}
}
