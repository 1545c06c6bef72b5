package checks

import (
	"github.com/palisade-dev/palisade/internal/finding"
)

var bpHostAliases = Check{
	ID:       "bp/host-aliases",
	Title:    "Pod overrides name resolution with hostAliases",
	Severity: finding.SeverityLow,
	Rationale: "hostAliases writes entries into the pod's /etc/hosts that take precedence over cluster DNS " +
		"(Kubernetes docs: Adding entries to Pod /etc/hosts with HostAliases), so a manifest can silently send a " +
		"service's or an external API's hostname, and the credentials sent to it, to another address, out of sight " +
		"of DNS-based controls and monitoring. Prefer a Service (ExternalName) or a DNS record.",
	Remediation: "# remove spec.hostAliases; publish the name in DNS or as a Service:\napiVersion: v1\nkind: Service\n" +
		"metadata:\n  name: legacy-db\nspec:\n  type: ExternalName\n  externalName: db.internal.example.com\n",
	Workloads: true,
	Run: func(_ *Context, o *Object) []Violation {
		if len(o.Workload.Spec.HostAliases) == 0 {
			return nil
		}
		return []Violation{bpPodViolation(o, "hostAliases", "pod sets hostAliases, which override DNS in its /etc/hosts")}
	},
}
