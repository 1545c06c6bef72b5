package checks

import (
	"fmt"
	"net/netip"

	"github.com/palisade-dev/palisade/internal/finding"
)

// netMetadataEndpoints are the cloud instance metadata addresses (AWS IMDS
// IPv4 and IPv6, GCE/GKE and Azure share the IPv4 one); all serve on TCP 80.
var netMetadataEndpoints = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"),
	netip.MustParseAddr("fd00:ec2::254"),
}

const netMetadataPort = 80

func netEgressToMetadata() Check {
	return Check{
		ID:       "net/egress-to-metadata",
		Title:    "Egress allowed to the cloud metadata endpoint",
		Severity: finding.SeverityHigh,
		Rationale: "A pod that reaches the instance metadata endpoint (169.254.169.254, fd00:ec2::254 on AWS) can read the " +
			"node's cloud credentials and act with the node's IAM role (EKS Best Practices Guide, Identity and access " +
			"management: Restrict access to the instance profile assigned to the worker node; GKE hardening guide: " +
			"Protect node metadata, use Workload Identity Federation for GKE). An egress rule to 0.0.0.0/0, ::/0, any " +
			"block holding the endpoint, or with no `to` at all, must except it. Rules whose ports cannot carry TCP " +
			"port 80 (only DNS, or named ports, which resolve against pods) are not reported.",
		Remediation: `spec:
  egress:
  - to:
    - ipBlock:
        cidr: 0.0.0.0/0
        except: [169.254.169.254/32]
    - ipBlock:
        cidr: ::/0
        except: [fd00:ec2::254/128]
`,
		Kinds: []string{"NetworkPolicy"},
		Run: func(_ *Context, o *Object) []Violation {
			np, ok := netAsNetworkPolicy(o)
			if !ok {
				return nil
			}
			if _, egress := netPolicyTypes(&np.Spec); !egress {
				return nil
			}
			var out []Violation
			for i, r := range np.Spec.Egress {
				if !netOpensTCP(r.Ports, netMetadataPort) {
					continue
				}
				if len(r.To) == 0 {
					out = append(out, Violation{
						Path:    fmt.Sprintf("spec.egress[%d]", i),
						Message: "egress rule has no `to`: it allows every destination, the cloud metadata endpoint 169.254.169.254 included",
					})
					continue
				}
				for j, peer := range r.To {
					if peer.IPBlock == nil {
						continue
					}
					block, ok := netParseCIDR(peer.IPBlock.CIDR)
					if !ok {
						continue
					}
					for _, md := range netMetadataEndpoints {
						if !block.Contains(md) || netExcepted(peer.IPBlock.Except, md) {
							continue
						}
						out = append(out, Violation{
							Path: fmt.Sprintf("spec.egress[%d].to[%d].ipBlock.cidr", i, j),
							Message: fmt.Sprintf("egress to %s does not except the cloud metadata endpoint %s (add %s to except)",
								peer.IPBlock.CIDR, md, netip.PrefixFrom(md, md.BitLen())),
						})
					}
				}
			}
			return out
		},
	}
}

// netExcepted reports whether one of the except CIDRs holds addr.
func netExcepted(except []string, addr netip.Addr) bool {
	for _, e := range except {
		if p, ok := netParseCIDR(e); ok && p.Contains(addr) {
			return true
		}
	}
	return false
}
