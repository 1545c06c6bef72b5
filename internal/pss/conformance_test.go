package pss

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/workload"
)

// upstreamCorpus is upstream's generated fixture tree, read from the module
// cache so a module bump brings its new fixtures with it.
func upstreamCorpus(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/pod-security-admission").Output()
	if err != nil {
		t.Fatalf("locating k8s.io/pod-security-admission in the module cache: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "test", "testdata")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("upstream fixtures missing: %v", err)
	}
	return dir
}

// TestUpstreamConformance: every pass fixture gives no finding and every fail
// fixture at least one, at its level and version, and every finding names a
// field. The counts per level and version are logged (go test -v).
func TestUpstreamConformance(t *testing.T) {
	e, err := NewEvaluator()
	if err != nil {
		t.Fatal(err)
	}
	root := upstreamCorpus(t)
	files, err := filepath.Glob(filepath.Join(root, "*", "v1.*", "*", "*.yaml"))
	if err != nil || len(files) < 1000 {
		t.Fatalf("expected thousands of upstream fixtures, found %d (%v)", len(files), err)
	}
	type count struct{ pass, fail int }
	counts := map[string]*count{}
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		parts := strings.Split(rel, string(filepath.Separator))
		level, version, want := parts[0], parts[1], parts[2]
		lv := api.LevelVersion{Level: api.Level(level)}
		if lv.Version, err = api.ParseVersion(version); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, errs := manifest.Decode(rel, data)
		if len(errs) > 0 || len(objs) != 1 {
			t.Errorf("%s: decode: %v (%d objects)", rel, errs, len(objs))
			continue
		}
		w, ok, err := workload.Extract(objs[0])
		if !ok || err != nil {
			t.Errorf("%s: not a workload: %v", rel, err)
			continue
		}
		fs := e.Findings(w, lv)
		key := level + " " + version
		if counts[key] == nil {
			counts[key] = &count{}
		}
		switch want {
		case "pass":
			counts[key].pass++
			if len(fs) != 0 {
				t.Errorf("%s: want no finding, got %v", rel, fs)
			}
		case "fail":
			counts[key].fail++
			if len(fs) == 0 {
				t.Errorf("%s: want a finding, got none", rel)
			}
		}
		for _, f := range fs {
			if f.Path == "" {
				t.Errorf("%s: %s has no field path: %s", rel, f.Check, f.Message)
			} else if f.Line <= 0 {
				t.Errorf("%s: %s at %s has no line", rel, f.Check, f.Path)
			}
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return versionKey(keys[i]) < versionKey(keys[j]) })
	total := count{}
	for _, k := range keys {
		t.Logf("conformance %-18s pass=%d fail=%d", k, counts[k].pass, counts[k].fail)
		total.pass += counts[k].pass
		total.fail += counts[k].fail
	}
	t.Logf("conformance total: %d pass fixtures, %d fail fixtures", total.pass, total.fail)
}

func versionKey(k string) string {
	level, v, _ := strings.Cut(k, " ")
	var minor int
	fmt.Sscanf(v, "v1.%d", &minor)
	return fmt.Sprintf("%s %03d", level, minor)
}
