package checks

import (
	"fmt"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

func netExternalIPs() Check {
	return Check{
		ID:       "net/external-ips",
		Title:    "Service sets externalIPs",
		Severity: finding.SeverityHigh,
		Rationale: "Whoever can create a Service with spec.externalIPs can make kube-proxy on every node capture " +
			"cluster traffic to those addresses, a man-in-the-middle that Kubernetes cannot patch (CVE-2020-8554; " +
			"Kubernetes docs, Service: External IPs, which recommend the DenyServiceExternalIPs admission plugin). " +
			"Use a LoadBalancer or an Ingress instead.",
		Remediation: `spec:
  type: LoadBalancer   # instead of externalIPs
  # externalIPs: removed
`,
		Kinds: []string{"Service"},
		Run: func(_ *Context, o *Object) []Violation {
			s, ok := netAsService(o)
			if !ok || len(s.Spec.ExternalIPs) == 0 {
				return nil
			}
			return []Violation{{
				Path: "spec.externalIPs",
				Message: fmt.Sprintf("Service sets spec.externalIPs [%s]: traffic to those addresses is captured cluster-wide (CVE-2020-8554)",
					strings.Join(s.Spec.ExternalIPs, ", ")),
			}}
		},
	}
}
