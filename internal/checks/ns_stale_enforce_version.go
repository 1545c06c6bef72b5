package checks

import (
	"fmt"

	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/finding"
)

// defaultMaxEnforceVersionLag is CheckParams.MaxEnforceVersionLag when unset.
const defaultMaxEnforceVersionLag = 4

var nsStaleEnforceVersion = Check{
	ID:       "ns/stale-enforce-version",
	Title:    "Namespace pins an old Pod Security enforce-version",
	Severity: finding.SeverityLow,
	Rationale: "pod-security.kubernetes.io/enforce-version pins the Pod Security Standards of that release: " +
		"controls added or changed since (the baseline level's hostProbesAndHostLifecycle check of v1.34, " +
		"procMount of v1.35, sysctls of v1.37) are not enforced in the namespace (Kubernetes " +
		"docs, Pod Security Admission, \"Pod Security Admission labels for namespaces\": pin a version only " +
		"while moving to a new one). Reported when the pin is more than checks.maxEnforceVersionLag (default 4) " +
		"minor versions behind the newest version Palisade supports (palisade version); latest is never " +
		"stale, and a value that does not parse is not this check's finding.",
	Remediation: "metadata:\n  labels:\n    pod-security.kubernetes.io/enforce-version: latest\n",
	Kinds:       []string{"Namespace"},
	Run:         runNSStaleEnforceVersion,
}

func runNSStaleEnforceVersion(ctx *Context, o *Object) []Violation {
	if !isCoreNamespace(o) {
		return nil
	}
	raw, ok := o.Labels[pssEnforceVersionLabel]
	if !ok {
		return nil
	}
	v, err := api.ParseVersion(raw)
	if err != nil || v.Latest() || v.Major() != 1 {
		return nil
	}
	lag := defaultMaxEnforceVersionLag
	if ctx.Params != nil && ctx.Params.MaxEnforceVersionLag > 0 {
		lag = ctx.Params.MaxEnforceVersionLag
	}
	newest := newestPSSMinor()
	if newest-v.Minor() <= lag {
		return nil
	}
	p := labelPath(pssEnforceVersionLabel)
	return []Violation{{Path: p, Message: fmt.Sprintf("Namespace %q pins %s=%s, %d minor versions behind v1.%d (more than %d): later Pod Security controls are not enforced (%s)",
		o.Name, pssEnforceVersionLabel, raw, newest-v.Minor(), newest, lag, p)}}
}
