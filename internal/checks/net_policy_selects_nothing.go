package checks

import (
	"fmt"

	"github.com/palisade-dev/palisade/internal/finding"
)

func netPolicySelectsNothing() Check {
	return Check{
		ID:       "net/policy-selects-nothing",
		Title:    "NetworkPolicy selects no workload",
		Severity: finding.SeverityLow,
		Rationale: "A NetworkPolicy whose podSelector matches no pod protects nothing: a typo in a label or a renamed " +
			"app leaves the pods it was written for unisolated while the policy looks in place (Kubernetes docs, " +
			"Network Policies: podSelector). Only policies with a non-empty podSelector are checked, and only against " +
			"the pod templates of the workloads of the input in the same namespace.",
		Remediation: `spec:
  podSelector:
    matchLabels:
      app: web   # labels that the pod template of the workload carries
`,
		Kinds: []string{"NetworkPolicy"},
		Needs: "the NetworkPolicy sets metadata.namespace and at least one workload of that namespace is in the input",
		Run: func(ctx *Context, o *Object) []Violation {
			np, ok := netAsNetworkPolicy(o)
			if !ok || o.Namespace == "" || netEmptySelector(np.Spec.PodSelector) || ctx.Inventory.Workloads(o.Namespace) == 0 {
				return nil
			}
			for _, fact := range ctx.Inventory.NetworkPolicies(o.Namespace) {
				if fact.Name == o.Name && fact.SelectsPods {
					return nil
				}
			}
			return []Violation{{
				Path:    "spec.podSelector",
				Message: fmt.Sprintf("podSelector matches no workload of namespace %q in the input", o.Namespace),
			}}
		},
	}
}
