package checks

import (
	"fmt"

	"github.com/palisade-dev/palisade/internal/finding"
)

func netIngressTLSHosts() Check {
	return Check{
		ID:       "net/ingress-tls-hosts",
		Title:    "Ingress rule host not covered by TLS",
		Severity: finding.SeverityMedium,
		Rationale: "Only the hosts listed under spec.tls[].hosts get the certificate; a rule host missing there is served " +
			"with the controller's default certificate (a browser error) or over plain HTTP (Kubernetes docs, Ingress: " +
			"TLS). A wildcard TLS host *.example.com covers one label only: a.example.com, not example.com nor " +
			"a.b.example.com. Rules without a host, and Ingresses with a tls entry without hosts (the controller's " +
			"default certificate for every host), are not reported.",
		Remediation: `spec:
  tls:
  - hosts: [app.example.com, api.example.com]   # every rules[].host
    secretName: example-com-tls
`,
		Kinds: []string{"Ingress"},
		Run: func(_ *Context, o *Object) []Violation {
			if !netIsIngress(o) {
				return nil
			}
			tls := netIngressTLS(o)
			if len(tls) == 0 {
				return nil // net/ingress-no-tls
			}
			var tlsHosts []string
			for _, hs := range tls {
				if len(hs) == 0 {
					return nil
				}
				tlsHosts = append(tlsHosts, hs...)
			}
			var out []Violation
			for i, h := range netIngressRuleHosts(o) {
				if h == "" || netCoveredByAny(h, tlsHosts) {
					continue
				}
				out = append(out, Violation{
					Path:    fmt.Sprintf("spec.rules[%d].host", i),
					Message: fmt.Sprintf("rule host %q is not covered by any spec.tls[].hosts", h),
				})
			}
			return out
		},
	}
}

func netCoveredByAny(host string, tlsHosts []string) bool {
	for _, t := range tlsHosts {
		if netHostCovered(host, t) {
			return true
		}
	}
	return false
}
