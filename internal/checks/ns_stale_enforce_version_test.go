package checks

import (
	"fmt"
	"slices"
	"testing"

	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/pss"
)

// TestNewestPSSMinor: the newest version here is the one `palisade version`
// prints before "latest".
func TestNewestPSSMinor(t *testing.T) {
	vs := pss.Versions()
	want := vs[len(vs)-2]
	if got := fmt.Sprintf("v1.%d", newestPSSMinor()); got != want {
		t.Errorf("newestPSSMinor = %s, pss.Versions says %s", got, want)
	}
	if !slices.Contains(vs, "latest") {
		t.Errorf("pss.Versions lacks latest: %v", vs)
	}
}

func TestNSStaleEnforceVersion(t *testing.T) {
	n := newestPSSMinor()
	ns := func(name, version string) string {
		return fmt.Sprintf(`apiVersion: v1
kind: Namespace
metadata:
  name: %s
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: %s
`, name, version)
	}
	const p = "metadata.labels[pod-security.kubernetes.io/enforce-version]"
	runCases(t, "ns/stale-enforce-version", []checkCase{
		{name: "default lag: 5 behind is stale", doc: ns("old", fmt.Sprintf("v1.%d", n-5)), want: []found{
			{"Namespace", "old", p, 7, fmt.Sprintf(`Namespace "old" pins pod-security.kubernetes.io/enforce-version=v1.%d, 5 minor versions behind v1.%d (more than 4): later Pod Security controls are not enforced (%s)`, n-5, n, p)},
		}},
		{name: "default lag: 4 behind is fine", doc: ns("ok", fmt.Sprintf("v1.%d", n-4))},
		{name: "configured lag 1", params: config.CheckParams{MaxEnforceVersionLag: 1}, doc: ns("old", fmt.Sprintf("v1.%d", n-2)), want: []found{
			{"Namespace", "old", p, 7, fmt.Sprintf(`Namespace "old" pins pod-security.kubernetes.io/enforce-version=v1.%d, 2 minor versions behind v1.%d (more than 1): later Pod Security controls are not enforced (%s)`, n-2, n, p)},
		}},
		{name: "not reported: latest, newer than supported, invalid, absent", doc: ns("a", "latest") + "---\n" + ns("b", fmt.Sprintf("v1.%d", n+3)) + "---\n" + ns("c", `"1.20"`) + `---
apiVersion: v1
kind: Namespace
metadata:
  name: d
`},
	})
}
