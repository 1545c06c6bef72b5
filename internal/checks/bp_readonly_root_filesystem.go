package checks

import (
	"github.com/palisade-dev/palisade/internal/finding"
)

var bpReadonlyRootFilesystem = Check{
	ID:       "bp/readonly-root-filesystem",
	Title:    "Container root filesystem is writable",
	Severity: finding.SeverityMedium,
	Rationale: "A writable root filesystem lets an attacker who gets code execution in the container drop tools and " +
		"modify binaries and configuration (EKS Best Practices Guide, Security: Pod Security, \"Configure your images " +
		"with read-only root file system\"; NSA/CISA Kubernetes Hardening Guide, \"Immutable container file systems\"). " +
		"Mount an emptyDir where the application must write. Every container kind is checked; pods with " +
		"spec.os.name: windows are skipped, as the field is Linux-only.",
	Remediation: "containers:\n- name: app\n  securityContext:\n    readOnlyRootFilesystem: true\n  volumeMounts:\n" +
		"  - name: tmp\n    mountPath: /tmp\nvolumes:\n- name: tmp\n  emptyDir: {}\n",
	Workloads: true,
	Run: func(_ *Context, o *Object) []Violation {
		if bpIsWindows(o) {
			return nil
		}
		var out []Violation
		for _, c := range Containers(o.Workload) {
			sc := c.SecurityContext
			switch {
			case sc == nil || sc.ReadOnlyRootFilesystem == nil:
				out = append(out, bpContainerViolation(c, ".securityContext.readOnlyRootFilesystem",
					"does not set securityContext.readOnlyRootFilesystem: true"))
			case !*sc.ReadOnlyRootFilesystem:
				out = append(out, bpContainerViolation(c, ".securityContext.readOnlyRootFilesystem",
					"sets securityContext.readOnlyRootFilesystem: false"))
			}
		}
		return out
	},
}
