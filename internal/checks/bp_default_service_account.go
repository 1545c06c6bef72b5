package checks

import (
	"github.com/palisade-dev/palisade/internal/finding"
)

var bpDefaultServiceAccount = Check{
	ID:       "bp/default-service-account",
	Title:    "Pod runs as the default ServiceAccount",
	Severity: finding.SeverityLow,
	Rationale: "Every pod of a namespace that names no ServiceAccount shares the \"default\" one, so any right granted " +
		"to it for one workload is granted to all (CIS Kubernetes Benchmark 5.1.5, \"Ensure that default service " +
		"accounts are not actively used\"; EKS Best Practices Guide, Security: Identity and Access Management, \"Use " +
		"dedicated service accounts for each application\"). A pod that sets automountServiceAccountToken: false " +
		"holds no credential of the ServiceAccount and is not reported.",
	Remediation: "spec:\n  serviceAccountName: my-app\n  automountServiceAccountToken: false  # unless the app calls the API\n",
	Workloads:   true,
	Run: func(_ *Context, o *Object) []Violation {
		if a := o.Workload.Spec.AutomountServiceAccountToken; a != nil && !*a {
			return nil
		}
		sa, field := bpServiceAccountName(o)
		if sa != "default" {
			return nil
		}
		if field == "" {
			return []Violation{bpPodViolation(o, "serviceAccountName",
				"pod sets no serviceAccountName, so it runs as the namespace's \"default\" ServiceAccount")}
		}
		return []Violation{bpPodViolation(o, field, "pod runs as the namespace's \"default\" ServiceAccount")}
	},
}
