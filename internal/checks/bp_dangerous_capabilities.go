package checks

import (
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

var bpDangerousCapabilities = Check{
	ID:       "bp/dangerous-capabilities",
	Title:    "NET_RAW not dropped or SYS_ADMIN added",
	Severity: finding.SeverityMedium,
	Rationale: "Container runtimes grant NET_RAW by default: it lets a compromised container forge packets (ARP and " +
		"DNS spoofing of its neighbours) and is needed by kernel exploits such as CVE-2020-14386; SYS_ADMIN is close " +
		"to root on the node (mount, namespaces, BPF). The Pod Security baseline level allows NET_RAW, so this check " +
		"applies at every level (Kubernetes docs: Pod Security Standards, restricted, \"Containers must drop ALL " +
		"capabilities\"; CIS Kubernetes Benchmark section 5.2, minimise the admission of containers with the NET_RAW " +
		"capability and with added capabilities; GKE hardening guide, Restrict Pod permissions). NET_RAW counts as " +
		"dropped when drop lists NET_RAW or ALL and add lists neither; capability names are compared upper-cased " +
		"without a CAP_ prefix, as runtimes do. Pods with spec.os.name: windows are skipped.",
	Remediation: "securityContext:\n  capabilities:\n    drop: [\"ALL\"]\n    add: [\"NET_BIND_SERVICE\"]  # only what the app needs\n",
	Workloads:   true,
	Run: func(_ *Context, o *Object) []Violation {
		if bpIsWindows(o) {
			return nil
		}
		var out []Violation
		for _, c := range Containers(o.Workload) {
			var add, drop []string
			if sc := c.SecurityContext; sc != nil && sc.Capabilities != nil {
				add, drop = bpCapNames(sc.Capabilities.Add), bpCapNames(sc.Capabilities.Drop)
			}
			addsAll := slices.Contains(add, "ALL")
			switch {
			case addsAll:
				out = append(out, bpContainerViolation(c, ".securityContext.capabilities.add", "adds ALL capabilities, NET_RAW included"))
			case slices.Contains(add, "NET_RAW"):
				out = append(out, bpContainerViolation(c, ".securityContext.capabilities.add", "adds NET_RAW"))
			case !slices.Contains(drop, "NET_RAW") && !slices.Contains(drop, "ALL"):
				out = append(out, bpContainerViolation(c, ".securityContext.capabilities.drop",
					"does not drop NET_RAW (securityContext.capabilities.drop lists neither NET_RAW nor ALL)"))
			}
			switch {
			case addsAll:
				out = append(out, bpContainerViolation(c, ".securityContext.capabilities.add", "adds ALL capabilities, SYS_ADMIN included"))
			case slices.Contains(add, "SYS_ADMIN"):
				out = append(out, bpContainerViolation(c, ".securityContext.capabilities.add", "adds SYS_ADMIN"))
			}
		}
		return out
	},
}

func bpCapNames(cs []corev1.Capability) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = bpCapName(string(c))
	}
	return out
}
