package checks

import (
	"fmt"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
)

var bpNamespaceWithoutLimits = Check{
	ID:       "bp/namespace-without-limits",
	Title:    "Namespace with workloads but no LimitRange or ResourceQuota",
	Severity: finding.SeverityMedium,
	Rationale: "A namespace without a ResourceQuota or LimitRange lets its workloads take any share of the cluster, " +
		"so one tenant can starve the others (Kubernetes docs: Multi-tenancy, \"Quotas\"; EKS Best Practices Guide, " +
		"Multi-tenancy; Kubernetes docs: Resource Quotas and Limit Ranges). The check is reported on the Namespace; " +
		"a LimitRange or ResourceQuota of that namespace anywhere in the input satisfies it.",
	Remediation: "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: compute\n  namespace: team-a\nspec:\n  hard:\n" +
		"    requests.cpu: \"10\"\n    requests.memory: 20Gi\n    limits.memory: 20Gi\n",
	Kinds: []string{"Namespace"},
	Needs: "the Namespace object and the workloads of that namespace are in the input",
	Run: func(ctx *Context, o *Object) []Violation {
		inv := ctx.Inventory
		if !inventory.IsNamespace(o.Object) || inv == nil {
			return nil
		}
		n := inv.Workloads(o.Name)
		if n == 0 || inv.HasLimitRange(o.Name) || inv.HasResourceQuota(o.Name) {
			return nil
		}
		return []Violation{{Path: "metadata.name", Message: fmt.Sprintf(
			"Namespace %q has %d workload(s) in the input but no LimitRange and no ResourceQuota (metadata.name)", o.Name, n)}}
	},
}
