package checks

import (
	"fmt"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

// netKubeletPortList are the kubelet API port and its unauthenticated read-only
// port.
var netKubeletPortList = []struct {
	port int32
	name string
}{
	{10250, "the kubelet API"},
	{10255, "the kubelet read-only port"},
}

func netKubeletPorts() Check {
	return Check{
		ID:       "net/kubelet-ports",
		Title:    "NetworkPolicy allows egress to the kubelet ports",
		Severity: finding.SeverityMedium,
		Rationale: "The kubelet API (TCP 10250) runs and inspects every pod of its node, and the deprecated read-only " +
			"port (TCP 10255) serves pod specs and metrics without authentication; pods other than node monitoring " +
			"should not reach them (Kubernetes docs: Ports and Protocols, Kubelet authentication/authorization; CIS " +
			"Kubernetes Benchmark 4.2.4 (--read-only-port 0); GKE docs: Disable the kubelet read-only " +
			"port). Only egress rules are checked: the kubelet runs on the node, not in a pod, so an ingress port " +
			"10250 opens a pod's own port (metrics-server serves on 10250), never the kubelet.",
		Remediation: `spec:
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/8
    ports:
    - port: 443       # the ports the pod needs, not 10250/10255
      protocol: TCP
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
				for k, p := range r.Ports {
					lo, hi, all, ok := netPortRange(p)
					if !ok || all {
						continue
					}
					var hit []string
					for _, kp := range netKubeletPortList {
						if lo <= kp.port && kp.port <= hi {
							hit = append(hit, fmt.Sprintf("%d (%s)", kp.port, kp.name))
						}
					}
					if len(hit) == 0 {
						continue
					}
					msg := fmt.Sprintf("egress rule opens TCP port %s", strings.Join(hit, " and "))
					if hi > lo {
						msg = fmt.Sprintf("egress rule opens TCP ports %d-%d, which include %s", lo, hi, strings.Join(hit, " and "))
					}
					out = append(out, Violation{Path: fmt.Sprintf("spec.egress[%d].ports[%d].port", i, k), Message: msg})
				}
			}
			return out
		},
	}
}
