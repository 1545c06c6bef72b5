package checks

import (
	"github.com/palisade-dev/palisade/internal/finding"
)

var bpAutomountServiceAccountToken = Check{
	ID:       "bp/automount-service-account-token",
	Title:    "Service account token mounted where the pod does not need the API",
	Severity: finding.SeverityLow,
	Rationale: "Every pod gets a token for its ServiceAccount unless automountServiceAccountToken is false; a pod that " +
		"does not call the Kubernetes API only gives an attacker who compromises it a credential to use against the " +
		"API server (CIS Kubernetes Benchmark 5.1.6, \"Ensure that Service Account Tokens are only mounted where " +
		"necessary\"; EKS Best Practices Guide, Security: Identity and Access Management, \"Disable auto-mounting of " +
		"service account tokens\"). The pod is taken to need the API, and is not reported, when it sets " +
		"automountServiceAccountToken: true explicitly or when a RoleBinding or ClusterRoleBinding of the input binds " +
		"its ServiceAccount; a ServiceAccount's own automountServiceAccountToken: false is not seen, so set it on the pod.",
	Remediation: "spec:\n  automountServiceAccountToken: false\n",
	Workloads:   true,
	Run: func(ctx *Context, o *Object) []Violation {
		if o.Workload.Spec.AutomountServiceAccountToken != nil {
			return nil // false is the fix; true says the pod needs the API
		}
		sa, _ := bpServiceAccountName(o)
		if bpServiceAccountBound(ctx, o.Namespace, sa) {
			return nil
		}
		return []Violation{bpPodViolation(o, "automountServiceAccountToken",
			"pod does not set automountServiceAccountToken: false, and no binding in the input grants its ServiceAccount %q any role, so it seems not to need the API", sa)}
	},
}
