package checks

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

var bpMemoryRequests = Check{
	ID:       "bp/memory-requests",
	Title:    "Container without a memory request",
	Severity: finding.SeverityMedium,
	Rationale: "Without a memory request the scheduler can place the pod on a node without room for it, and the pod " +
		"is among the first evicted under memory pressure (EKS Best Practices Guide, Security: Pod Security, " +
		"\"Set requests and limits for each container to avoid resource contention and DoS attacks\"; Kubernetes docs: " +
		"Resource Management for Pods and Containers). A memory limit also counts, since the API server defaults the " +
		"request to it, and so does a pod-level spec.resources; ephemeral containers cannot set resources.",
	Remediation: "containers:\n- name: app\n  resources:\n    requests:\n      memory: 128Mi\n",
	Workloads:   true,
	Run:         bpMissingResource("requests", corev1.ResourceMemory),
}
