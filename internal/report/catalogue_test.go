package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/golden"
)

func TestCatalogueGolden(t *testing.T) {
	for _, format := range CatalogueFormats() {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Catalogue(&b, format, sampleRules()); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, b.Bytes(), filepath.Join("testdata", "catalogue", format+".golden"))

			// Input order must not matter.
			rev := sampleRules()
			slices.Reverse(rev)
			var again bytes.Buffer
			if err := Catalogue(&again, format, rev); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), again.Bytes()) {
				t.Errorf("output depends on rule order:\n%s", golden.Diff(b.Bytes(), again.Bytes()))
			}
		})
	}
}

func TestRuleDetailGolden(t *testing.T) {
	for _, r := range sampleRules()[:2] {
		t.Run(r.ID, func(t *testing.T) {
			var b bytes.Buffer
			if err := RuleDetail(&b, r); err != nil {
				t.Fatal(err)
			}
			name := strings.ReplaceAll(r.ID, "/", "_")
			golden.Assert(t, b.Bytes(), filepath.Join("testdata", "catalogue", "detail-"+name+".golden"))
		})
	}
}

func TestCatalogueJSONDecodes(t *testing.T) {
	var b bytes.Buffer
	if err := Catalogue(&b, "json", sampleRules()); err != nil {
		t.Fatal(err)
	}
	var rules []finding.Rule
	if err := json.Unmarshal(b.Bytes(), &rules); err != nil {
		t.Fatal(err)
	}
	if len(rules) != len(sampleRules()) || rules[0].ID != "bp/latest-tag" || rules[0].Severity != finding.SeverityLow {
		t.Errorf("decoded %+v", rules)
	}
	b.Reset()
	if err := Catalogue(&b, "json", nil); err != nil || strings.TrimSpace(b.String()) != "[]" {
		t.Errorf("empty catalogue = %q, %v", b.String(), err)
	}
}

func TestCatalogueUnknownFormat(t *testing.T) {
	err := Catalogue(&bytes.Buffer{}, "sarif", nil)
	if err == nil || !strings.Contains(err.Error(), "markdown") {
		t.Errorf("err = %v, want one naming the valid formats", err)
	}
}

func TestAnchor(t *testing.T) {
	for in, want := range map[string]string{
		"pss/privileged":              "pssprivileged",
		"pss/capabilities_restricted": "psscapabilities_restricted",
		"bp/latest-tag":               "bplatest-tag",
		"Policy Check":                "policy-check",
	} {
		if got := anchor(in); got != want {
			t.Errorf("anchor(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCodeBlockFence(t *testing.T) {
	got := codeBlock("yaml", "a: ```b```\n")
	if !strings.HasPrefix(got, "````yaml\n") || !strings.HasSuffix(got, "\n````") {
		t.Errorf("codeBlock = %q", got)
	}
}
