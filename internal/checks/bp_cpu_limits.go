package checks

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

var bpCPULimits = Check{
	ID:       "bp/cpu-limits",
	Title:    "Container without a CPU limit",
	Severity: finding.SeverityLow,
	Rationale: "A container without a CPU limit can use every idle CPU of its node, so a runaway or compromised " +
		"process degrades its neighbours (EKS Best Practices Guide, Security: Pod Security, \"Set requests and limits " +
		"for each container to avoid resource contention and DoS attacks\"). The Kubernetes docs' Security checklist " +
		"only says a CPU limit \"might be set on sensitive workloads\", since limits throttle bursts: this check is " +
		"separate from bp/cpu-requests so it can be disabled on its own. A pod-level spec.resources.limits.cpu " +
		"counts; ephemeral containers cannot set resources.",
	Remediation: "containers:\n- name: app\n  resources:\n    limits:\n      cpu: 500m\n",
	Workloads:   true,
	Run:         bpMissingResource("limits", corev1.ResourceCPU),
}
