package checks

import (
	"fmt"

	"github.com/palisade-dev/palisade/internal/finding"
)

func netWorkloadNotIsolated() Check {
	return Check{
		ID:       "net/workload-not-isolated",
		Title:    "Workload selected by no NetworkPolicy",
		Severity: finding.SeverityMedium,
		Rationale: "A pod that no NetworkPolicy selects is not isolated: it accepts traffic from, and sends traffic to, " +
			"every pod and address, even in a namespace whose other pods are locked down (Kubernetes docs, Network " +
			"Policies: The two sorts of pod isolation; GKE hardening guide: Restrict traffic among Pods with a network " +
			"policy; EKS Best Practices Guide, Network security). A namespace with no NetworkPolicy at all is left to " +
			"net/no-default-deny-ingress and net/no-default-deny-egress. Workloads without metadata.namespace are " +
			"skipped: the namespace they land in is chosen when they are applied, so the policies of the input may " +
			"belong elsewhere.",
		Remediation: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: my-namespace
spec:
  podSelector:
    matchLabels: {app: web}   # the pod's labels
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - podSelector: {matchLabels: {app: frontend}}
`,
		Workloads: true,
		Needs:     "the workload sets metadata.namespace and at least one NetworkPolicy of that namespace is in the input",
		Run: func(ctx *Context, o *Object) []Violation {
			ns := o.Namespace
			if ns == "" || !ctx.Inventory.Covers(ns) {
				return nil
			}
			pols := ctx.Inventory.NetworkPolicies(ns)
			if len(pols) == 0 {
				return nil
			}
			podLabels := o.Workload.Meta.Labels
			for _, np := range pols {
				if np.Selects(podLabels) {
					return nil
				}
			}
			return []Violation{{
				Path: o.Workload.MetaPrefix + ".labels",
				Message: fmt.Sprintf("no NetworkPolicy of namespace %q selects the pod labels %s: the pod is not isolated",
					ns, netFormatLabels(podLabels)),
			}}
		},
	}
}
