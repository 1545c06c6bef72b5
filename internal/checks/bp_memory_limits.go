package checks

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

var bpMemoryLimits = Check{
	ID:       "bp/memory-limits",
	Title:    "Container without a memory limit",
	Severity: finding.SeverityMedium,
	Rationale: "A container without a memory limit can exhaust its node's memory and get other pods OOM-killed or " +
		"evicted (Kubernetes docs: Security checklist, \"Memory limit is set for the workloads with a limit equal or " +
		"inferior to the request\"; EKS Best Practices Guide, Security: Pod Security, \"Set requests and limits for each " +
		"container to avoid resource contention and DoS attacks\"). A pod-level spec.resources.limits.memory counts; " +
		"ephemeral containers cannot set resources.",
	Remediation: "containers:\n- name: app\n  resources:\n    requests:\n      memory: 128Mi\n    limits:\n      memory: 128Mi\n",
	Workloads:   true,
	Run:         bpMissingResource("limits", corev1.ResourceMemory),
}
