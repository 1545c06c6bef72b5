package checks

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

var bpCPURequests = Check{
	ID:       "bp/cpu-requests",
	Title:    "Container without a CPU request",
	Severity: finding.SeverityMedium,
	Rationale: "Without a CPU request the scheduler places the pod as if it needed no CPU, and under contention " +
		"it gets the smallest share, so a busy neighbour can starve it (EKS Best Practices Guide, Security: Pod Security, " +
		"\"Set requests and limits for each container to avoid resource contention and DoS attacks\"; Kubernetes docs: " +
		"Resource Management for Pods and Containers). A CPU limit also counts, since the API server defaults the " +
		"request to it, and so does a pod-level spec.resources; ephemeral containers cannot set resources.",
	Remediation: "containers:\n- name: app\n  resources:\n    requests:\n      cpu: 100m\n",
	Workloads:   true,
	Run:         bpMissingResource("requests", corev1.ResourceCPU),
}
