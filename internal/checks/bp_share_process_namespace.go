package checks

import (
	"github.com/palisade-dev/palisade/internal/finding"
)

var bpShareProcessNamespace = Check{
	ID:       "bp/share-process-namespace",
	Title:    "Pod shares one process namespace between its containers",
	Severity: finding.SeverityMedium,
	Rationale: "With shareProcessNamespace every container sees and can signal the processes of the others, and " +
		"reads their filesystems, environment and secrets through /proc/$pid/root (Kubernetes docs: Share Process " +
		"Namespace between Containers in a Pod, \"Container filesystems are visible to other containers in the " +
		"pod\"), so a compromised sidecar compromises the whole pod.",
	Remediation: "spec:\n  shareProcessNamespace: false\n",
	Workloads:   true,
	Run: func(_ *Context, o *Object) []Violation {
		if s := o.Workload.Spec.ShareProcessNamespace; s == nil || !*s {
			return nil
		}
		return []Violation{bpPodViolation(o, "shareProcessNamespace", "pod sets shareProcessNamespace: true")}
	},
}
