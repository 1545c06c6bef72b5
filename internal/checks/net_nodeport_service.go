package checks

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

func netNodePortService() Check {
	return Check{
		ID:       "net/nodeport-service",
		Title:    "Service of type NodePort",
		Severity: finding.SeverityLow,
		Rationale: "A NodePort Service opens its port on every node's addresses, bypassing the load balancer and any " +
			"firewall in front of it, and exposing nodes directly (Kubernetes docs, Service: type NodePort; NSA/CISA " +
			"Kubernetes Hardening Guide, Network separation and hardening; EKS Best Practices Guide, Network security). " +
			"Prefer ClusterIP behind an Ingress or a LoadBalancer with source ranges.",
		Remediation: `spec:
  type: ClusterIP
`,
		Kinds: []string{"Service"},
		Run: func(_ *Context, o *Object) []Violation {
			s, ok := netAsService(o)
			if !ok || s.Spec.Type != corev1.ServiceTypeNodePort {
				return nil
			}
			return []Violation{{
				Path:    "spec.type",
				Message: "Service is type NodePort: its ports are open on every node's addresses",
			}}
		},
	}
}
