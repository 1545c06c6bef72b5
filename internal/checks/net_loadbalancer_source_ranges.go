package checks

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

// netSourceRangesAnnotation is the older way to set loadBalancerSourceRanges;
// the field wins when both are set.
const netSourceRangesAnnotation = "service.beta.kubernetes.io/load-balancer-source-ranges"

// netInternalLB reports whether the annotations make a LoadBalancer Service
// internal (reachable from the VPC only), per cloud provider.
func netInternalLB(ann map[string]string) bool {
	eq := func(k, v string) bool { return strings.EqualFold(strings.TrimSpace(ann[k]), v) }
	switch {
	case eq("networking.gke.io/load-balancer-type", "Internal"),
		eq("cloud.google.com/load-balancer-type", "Internal"),
		eq("service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"),
		eq("service.beta.kubernetes.io/azure-load-balancer-internal", "true"),
		eq("service.beta.kubernetes.io/oci-load-balancer-internal", "true"),
		eq("service.beta.kubernetes.io/openstack-internal-load-balancer", "true"),
		eq("service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type", "private"),
		eq("service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type", "intranet"):
		return true
	}
	// The legacy AWS provider treats any value but "false" as internal
	// (old manifests set "0.0.0.0/0").
	v, ok := ann["service.beta.kubernetes.io/aws-load-balancer-internal"]
	return ok && v != "" && !strings.EqualFold(v, "false")
}

// netPublicLB returns the Service when it is an internet-facing LoadBalancer.
func netPublicLB(o *Object) (*corev1.Service, bool) {
	s, ok := netAsService(o)
	if !ok || s.Spec.Type != corev1.ServiceTypeLoadBalancer || netInternalLB(o.Annotations) {
		return nil, false
	}
	return s, true
}

func netLoadBalancerSourceRanges() Check {
	return Check{
		ID:       "net/loadbalancer-source-ranges",
		Title:    "Internet-facing LoadBalancer without loadBalancerSourceRanges",
		Severity: finding.SeverityMedium,
		Rationale: "A Service of type LoadBalancer that is not internal gets a public address open to the whole internet " +
			"unless spec.loadBalancerSourceRanges limits the clients; make it internal or list the ranges that need it " +
			"(Kubernetes docs: Configure your cloud provider's firewalls, Restrict access for LoadBalancer Service; GKE " +
			"docs: Internal LoadBalancer (networking.gke.io/load-balancer-type: Internal); EKS Best Practices Guide, " +
			"Network security; AWS Load Balancer Controller scheme annotation). The older " +
			"service.beta.kubernetes.io/load-balancer-source-ranges annotation counts as ranges.",
		Remediation: `spec:
  type: LoadBalancer
  loadBalancerSourceRanges:
  - 203.0.113.0/24   # the clients that need it
# or make it internal:
metadata:
  annotations:
    networking.gke.io/load-balancer-type: Internal                # GKE
    service.beta.kubernetes.io/aws-load-balancer-scheme: internal # AWS
    service.beta.kubernetes.io/azure-load-balancer-internal: "true"
`,
		Kinds: []string{"Service"},
		Run: func(_ *Context, o *Object) []Violation {
			s, ok := netPublicLB(o)
			if !ok || len(s.Spec.LoadBalancerSourceRanges) > 0 || strings.TrimSpace(o.Annotations[netSourceRangesAnnotation]) != "" {
				return nil
			}
			return []Violation{{
				Path:    "spec.loadBalancerSourceRanges",
				Message: "internet-facing LoadBalancer Service sets no spec.loadBalancerSourceRanges: any address can reach it",
			}}
		},
	}
}
