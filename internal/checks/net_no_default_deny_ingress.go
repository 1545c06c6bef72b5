package checks

import (
	"fmt"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
)

// netDefaultDenyNeeds is what both default-deny checks need.
const netDefaultDenyNeeds = "the Namespace object is in the input and at least one workload of the input names it in metadata.namespace"

// netHasDefaultDeny reports whether one of pols is a default deny for the
// direction: an empty podSelector, the direction among its (defaulted)
// policyTypes, and no rule of that direction.
func netHasDefaultDeny(pols []*inventory.NetworkPolicy, egress bool) bool {
	for _, np := range pols {
		if !netEmptySelector(np.Spec.PodSelector) {
			continue
		}
		in, eg := netPolicyTypes(&np.Spec)
		if egress && eg && len(np.Spec.Egress) == 0 || !egress && in && len(np.Spec.Ingress) == 0 {
			return true
		}
	}
	return false
}

// netRunDefaultDeny is the body of both default-deny checks.
func netRunDefaultDeny(ctx *Context, o *Object, egress bool) []Violation {
	if !inventory.IsNamespace(o.Object) || o.Name == "" || ctx.Inventory.Workloads(o.Name) == 0 {
		return nil
	}
	if netHasDefaultDeny(ctx.Inventory.NetworkPolicies(o.Name), egress) {
		return nil
	}
	dir, field := "ingress", "Ingress"
	if egress {
		dir, field = "egress", "Egress"
	}
	return []Violation{{
		Path: "metadata.name",
		Message: fmt.Sprintf("namespace %q runs workloads but no NetworkPolicy denies %s by default (podSelector: {}, policyTypes: [%s], no %s rules)",
			o.Name, dir, field, dir),
	}}
}

func netNoDefaultDenyIngress() Check {
	return Check{
		ID:       "net/no-default-deny-ingress",
		Title:    "Namespace has no default-deny ingress NetworkPolicy",
		Severity: finding.SeverityMedium,
		Rationale: "Pods accept traffic from every pod and address until a NetworkPolicy selects them; a default-deny " +
			"ingress policy makes every pod of the namespace isolated, so only traffic that another policy allows gets in " +
			"(Kubernetes docs, Network Policies: Default deny all ingress traffic; GKE hardening guide: Restrict traffic " +
			"among Pods with a network policy; EKS Best Practices Guide, Network security: Create a default deny policy).",
		Remediation: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
  namespace: my-namespace
spec:
  podSelector: {}
  policyTypes: [Ingress]
`,
		Kinds: []string{"Namespace"},
		Needs: netDefaultDenyNeeds,
		Run: func(ctx *Context, o *Object) []Violation {
			return netRunDefaultDeny(ctx, o, false)
		},
	}
}
