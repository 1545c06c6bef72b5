package pss

import (
	"regexp"
	"testing"

	"go.yaml.in/yaml/v3"
	"k8s.io/pod-security-admission/policy"

	"github.com/palisade-dev/palisade/internal/finding"
)

// TestEveryCheckHasLocatorAndRule fails when a bump of
// k8s.io/pod-security-admission brings a check Palisade cannot locate or
// explain: add it to locators and texts.
func TestEveryCheckHasLocatorAndRule(t *testing.T) {
	for _, c := range policy.DefaultChecks() {
		if _, ok := locators[c.ID]; !ok {
			t.Errorf("upstream check %q has no locator in locate.go", c.ID)
		}
		tx, ok := texts[c.ID]
		if !ok {
			t.Errorf("upstream check %q has no title/remediation in rules.go", c.ID)
			continue
		}
		if tx.title == "" || tx.rationale == "" || tx.remediation == "" || tx.severity < finding.SeverityHigh {
			t.Errorf("check %q: incomplete rule text %+v", c.ID, tx)
		}
		var v any
		if err := yaml.Unmarshal([]byte(tx.remediation), &v); err != nil {
			t.Errorf("check %q: remediation is not valid YAML: %v", c.ID, err)
		}
	}
	for id := range locators {
		if _, ok := texts[id]; !ok {
			t.Errorf("locator for %q, which upstream no longer has", id)
		}
	}
}

var idRE = regexp.MustCompile(`^pss/[a-zA-Z_]+$`)

func TestRulesWellFormed(t *testing.T) {
	seen := map[string]bool{}
	rules := Rules()
	if len(rules) != len(policy.DefaultChecks()) {
		t.Fatalf("%d rules for %d upstream checks", len(rules), len(policy.DefaultChecks()))
	}
	for _, r := range rules {
		if !idRE.MatchString(r.ID) || seen[r.ID] {
			t.Errorf("bad or duplicate rule ID %q", r.ID)
		}
		seen[r.ID] = true
		if r.Level != "baseline" && r.Level != "restricted" {
			t.Errorf("%s: level %q", r.ID, r.Level)
		}
		if r.Standard != finding.StandardPodSecurity {
			t.Errorf("%s: standard %q", r.ID, r.Standard)
		}
	}
}

// TestVersions covers the version list `palisade version` prints.
func TestVersions(t *testing.T) {
	vs := Versions()
	if vs[0] != "v1.0" || vs[len(vs)-1] != "latest" || len(vs) < 30 {
		t.Fatalf("versions %v", vs)
	}
}
