package checks

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/finding"
)

var idRE = regexp.MustCompile(`^(bp|net|rbac|ns|storage)/[a-z0-9]+(-[a-z0-9]+)*$`)

// TestChecksWellFormed is the contributor's checklist, enforced.
func TestChecksWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range All() {
		if !idRE.MatchString(c.ID) {
			t.Errorf("%q: ID must match %s", c.ID, idRE)
		}
		if seen[c.ID] {
			t.Errorf("%q: duplicate ID", c.ID)
		}
		seen[c.ID] = true
		if c.Severity < finding.SeverityLow || c.Severity > finding.SeverityCritical {
			t.Errorf("%s: invalid severity %v", c.ID, c.Severity)
		}
		if c.Title == "" || strings.HasSuffix(c.Title, ".") {
			t.Errorf("%s: title must be set and not end with a period", c.ID)
		}
		if !strings.HasSuffix(c.Rationale, ".") {
			t.Errorf("%s: rationale must be sentences ending with a period", c.ID)
		}
		if !regexp.MustCompile(`GKE|EKS|Kubernetes|CIS|CVE|NSA`).MatchString(c.Rationale) {
			t.Errorf("%s: rationale must name its source (GKE/EKS guide, Kubernetes docs, CIS, CVE, NSA)", c.ID)
		}
		var v any
		if err := yaml.Unmarshal([]byte(c.Remediation), &v); err != nil || v == nil {
			t.Errorf("%s: remediation must be a non-empty YAML snippet: %v", c.ID, err)
		}
		if !c.Workloads && len(c.Kinds) == 0 {
			t.Errorf("%s: set Kinds or Workloads", c.ID)
		}
		if c.Run == nil {
			t.Errorf("%s: no Run", c.ID)
		}
	}
}

// TestIDsAppendOnly: IDs are a contract with users' exceptions and CI
// configs. testdata/ids.txt lists every ID ever shipped; a new check
// appends its ID there, and no ID is ever removed.
func TestIDsAppendOnly(t *testing.T) {
	f, err := os.Open("testdata/ids.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var listed []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			listed = append(listed, l)
		}
	}
	var ids []string
	for _, c := range All() {
		ids = append(ids, c.ID)
	}
	for _, id := range ids {
		if !slices.Contains(listed, id) {
			t.Errorf("%s is not in testdata/ids.txt: append it", id)
		}
	}
	for _, id := range listed {
		if !slices.Contains(ids, id) {
			t.Errorf("%s was shipped (testdata/ids.txt) but is gone from All(): IDs never disappear", id)
		}
	}
}

// TestFixtures: every check has testdata/<group>/<name>/{pass,fail}.yaml;
// the fail fixture raises it at least once, the pass fixture never.
func TestFixtures(t *testing.T) {
	for _, c := range All() {
		dir := filepath.Join("testdata", filepath.FromSlash(c.ID))
		for _, name := range []string{"pass.yaml", "fail.yaml"} {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Errorf("%s: missing fixture: %v", c.ID, err)
				continue
			}
			params := config.CheckParams{TrustedRegistries: []string{"registry.example.com/*"}}
			got := run(t, c.ID, params, string(data))
			if name == "pass.yaml" && len(got) != 0 {
				t.Errorf("%s: pass fixture raised %v", c.ID, got)
			}
			if name == "fail.yaml" && len(got) == 0 {
				t.Errorf("%s: fail fixture raised nothing", c.ID)
			}
			for _, v := range got {
				if v.Path == "" || strings.Contains(v.Message, "\n") || v.Line <= 0 {
					t.Errorf("%s: violation must have a path, a line and a one-line message: %+v", c.ID, v)
				}
			}
		}
	}
}
