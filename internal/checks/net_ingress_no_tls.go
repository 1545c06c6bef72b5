package checks

import (
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

func netIngressNoTLS() Check {
	return Check{
		ID:       "net/ingress-no-tls",
		Title:    "Ingress without TLS",
		Severity: finding.SeverityMedium,
		Rationale: "An Ingress without spec.tls serves its hosts over plain HTTP: credentials, cookies and data cross " +
			"the network readable and modifiable (Kubernetes docs, Ingress: TLS; NSA/CISA Kubernetes Hardening Guide: " +
			"encrypt traffic in transit). Certificates attached by annotation (AWS Load Balancer Controller " +
			"alb.ingress.kubernetes.io/certificate-arn, GKE managed or pre-shared certificates) count as TLS; a GKE " +
			"Ingress with kubernetes.io/ingress.allow-http: \"false\" serves no plain HTTP and is not reported.",
		Remediation: `spec:
  tls:
  - hosts: [app.example.com]
    secretName: app-example-com-tls
`,
		Kinds: []string{"Ingress"},
		Run: func(_ *Context, o *Object) []Violation {
			if !netIsIngress(o) || netIngressHasTLS(o) {
				return nil
			}
			if netGKEIngress(o) && strings.EqualFold(strings.TrimSpace(o.Annotations[netAllowHTTPAnnotation]), "false") {
				return nil // GKE serves no plain HTTP at all
			}
			return []Violation{{
				Path:    "spec.tls",
				Message: "Ingress sets no spec.tls: its hosts are served over plain HTTP",
			}}
		},
	}
}
