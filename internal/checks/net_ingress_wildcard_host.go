package checks

import (
	"fmt"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

func netIngressWildcardHost() Check {
	return Check{
		ID:       "net/ingress-wildcard-host",
		Title:    "Ingress rule with a wildcard host",
		Severity: finding.SeverityLow,
		Rationale: "A rule host such as *.example.com routes every subdomain, including ones nobody meant to publish, to " +
			"the backend, and shares one wildcard certificate across them (Kubernetes docs, Ingress: Hostname " +
			"wildcards). Name each host.",
		Remediation: `spec:
  rules:
  - host: app.example.com   # not *.example.com
`,
		Kinds: []string{"Ingress"},
		Run: func(_ *Context, o *Object) []Violation {
			if !netIsIngress(o) {
				return nil
			}
			var out []Violation
			for i, h := range netIngressRuleHosts(o) {
				if strings.HasPrefix(h, "*") {
					out = append(out, Violation{
						Path:    fmt.Sprintf("spec.rules[%d].host", i),
						Message: fmt.Sprintf("rule host %q is a wildcard: every matching subdomain reaches this backend", h),
					})
				}
			}
			return out
		},
	}
}
