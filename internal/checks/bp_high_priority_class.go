package checks

import (
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

var bpHighPriorityClass = Check{
	ID:       "bp/high-priority-class",
	Title:    "High PriorityClass used outside the namespaces allowed to use it",
	Severity: finding.SeverityMedium,
	Rationale: "A pod with a high PriorityClass preempts other pods and is evicted last, so a workload outside the " +
		"system namespaces can take the cluster's capacity from the components that keep it running (Kubernetes " +
		"docs: Pod Priority and Preemption, \"a malicious user could create Pods at the highest possible priorities\"; " +
		"Kubernetes docs: Resource Quotas, \"Limit Priority Class consumption by default\"). system-*-critical and the " +
		"globs of checks.highPriorityClasses are high; they are allowed in the namespaces of " +
		"checks.priorityClassNamespaces (globs, default kube-system). An object that names no namespace is not " +
		"reported, as where it will run is unknown.",
	Remediation: "spec:\n  priorityClassName: business-critical  # a class defined for applications, not system-*-critical\n",
	Workloads:   true,
	Run: func(ctx *Context, o *Object) []Violation {
		name := o.Workload.Spec.PriorityClassName
		if name == "" || o.Namespace == "" {
			return nil
		}
		high := append([]string{"system-*-critical"}, ctx.Params.HighPriorityClasses...)
		if !Glob(high, name) {
			return nil
		}
		allowed := ctx.Params.PriorityClassNamespaces
		if len(allowed) == 0 {
			allowed = []string{"kube-system"}
		}
		if Glob(allowed, o.Namespace) {
			return nil
		}
		return []Violation{bpPodViolation(o, "priorityClassName",
			"pod in namespace %q uses PriorityClass %q, reserved to namespaces %s", o.Namespace, name, strings.Join(allowed, ", "))}
	},
}
