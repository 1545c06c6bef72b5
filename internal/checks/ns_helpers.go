package checks

import (
	"fmt"
	"sync"

	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// Helpers shared by the ns/ checks.

// Pod Security Admission labels of a Namespace.
const (
	pssEnforceLabel        = api.EnforceLevelLabel   // pod-security.kubernetes.io/enforce
	pssEnforceVersionLabel = api.EnforceVersionLabel // pod-security.kubernetes.io/enforce-version
	// privilegedReasonAnnotation documents why a Namespace enforces the
	// privileged level; ns/privileged-enforce is silent when it is set.
	privilegedReasonAnnotation = "palisade.dev/privileged-reason"
)

// isCoreNamespace reports whether o is a core v1 Namespace.
func isCoreNamespace(o *Object) bool { return o.Kind == "Namespace" && o.APIVersion == "v1" }

// labelPath is the field path of a label: metadata.labels[key].
func labelPath(key string) string { return fmt.Sprintf("metadata.labels[%s]", key) }

// newestPSSMinor is the newest Pod Security minor version this build
// supports (the one before "latest" in `palisade version`): the newest
// minor any upstream check names, or the module's own minor when newer.
// It mirrors pss.Versions, which checks may not import.
var newestPSSMinor = sync.OnceValue(func() int {
	m := 0
	for _, c := range policy.DefaultChecks() {
		for _, v := range c.Versions {
			m = max(m, v.MinimumVersion.Minor())
		}
	}
	if v := api.GetAPIVersion(); v.Major() == 1 && v.Minor() > m {
		m = v.Minor()
	}
	return m
})
