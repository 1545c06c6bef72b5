package scan

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/finding"
)

type collect struct {
	files    []string
	findings []finding.Finding
	errs     []finding.Error
}

func (c *collect) File(name string, fs []finding.Finding, es []finding.Error) error {
	c.files = append(c.files, name)
	c.findings = append(c.findings, fs...)
	c.errs = append(c.errs, es...)
	return nil
}

func newEngine(t testing.TB) *engine.Engine {
	lv := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}
	e, err := engine.New(engine.Options{Defaults: api.Policy{Enforce: lv}, Checks: []string{"pss/*"}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func write(t *testing.T, dir string, files map[string]string) {
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const hostNet = `apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: %s}
spec:
  hostNetwork: true
  containers: [{name: c, image: i}]
`

func pod(name, ns string) string {
	return strings.NewReplacer("%s, namespace: %s", name+", namespace: "+ns).Replace(hostNet)
}

// TestNamespaceLaterInInputDecides: a Namespace at the end of the input
// still sets the level of workloads read before it.
func TestNamespaceLaterInInputDecides(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"a/pods.yaml": pod("p1", "open") + "---\n" + pod("p2", "locked"),
		"z/ns.yaml": `apiVersion: v1
kind: Namespace
metadata:
  name: open
  labels: {pod-security.kubernetes.io/enforce: privileged}
---
apiVersion: v1
kind: Namespace
metadata:
  name: locked
  labels: {pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/enforce-version: v1.0}
`,
	})
	c := &collect{}
	st, err := Run(context.Background(), newEngine(t), []string{dir}, nil, Options{}, c)
	if err != nil {
		t.Fatal(err)
	}
	if st.Resources != 4 || st.Errors != 0 {
		t.Fatalf("stats %+v", st)
	}
	var checks []string
	for _, f := range c.findings {
		if f.Resource.Name == "p1" {
			t.Errorf("p1 is in a privileged namespace: %s", f.Check)
		}
		checks = append(checks, f.Resource.Name+" "+f.Check+" "+f.Level)
	}
	// Baseline only: the restricted checks of p2 must not appear.
	if !reflect.DeepEqual(checks, []string{"p2 pss/hostNamespaces baseline"}) {
		t.Fatalf("findings %v", checks)
	}
}

// TestDeterministicWhateverTheWorkers: sorted by file, line, check, and the
// same bytes with 1 or 8 workers; argument order does not matter.
func TestDeterministicWhateverTheWorkers(t *testing.T) {
	dir := t.TempDir()
	writeCorpus(t, dir, 500)
	write(t, dir, map[string]string{"broken.yaml": "kind: [\n"})
	var runs []*collect
	for _, w := range []int{1, 8} {
		c := &collect{}
		st, err := Run(context.Background(), newEngine(t), []string{filepath.Join(dir, "f00020.yaml"), dir, filepath.Join(dir, "missing.yaml")}, nil, Options{Workers: w}, c)
		if err != nil {
			t.Fatal(err)
		}
		if st.Errors != 2 || st.Worst != finding.SeverityCritical {
			t.Fatalf("stats %+v", st)
		}
		runs = append(runs, c)
	}
	if !reflect.DeepEqual(runs[0], runs[1]) {
		t.Fatal("output depends on the number of workers")
	}
	c := runs[0]
	for i := 1; i < len(c.files); i++ {
		if c.files[i-1] >= c.files[i] {
			t.Fatalf("files out of order or repeated: %q then %q", c.files[i-1], c.files[i])
		}
	}
	for i := 1; i < len(c.findings); i++ {
		if finding.Compare(c.findings[i-1], c.findings[i]) > 0 {
			t.Fatalf("findings out of order at %d", i)
		}
	}
	if len(c.errs) != 2 || !strings.HasSuffix(c.errs[0].File, "broken.yaml") || !strings.HasSuffix(c.errs[1].File, "missing.yaml") {
		t.Fatalf("errors %+v", c.errs)
	}
}

func TestStdin(t *testing.T) {
	c := &collect{}
	st, err := Run(context.Background(), newEngine(t), []string{"-", "-"}, strings.NewReader(pod("p", "ns")), Options{}, c)
	if err != nil || st.Resources != 1 || len(c.files) != 1 || c.files[0] != "-" || len(c.findings) == 0 {
		t.Fatalf("stdin: %+v %+v %v", st, c, err)
	}
}
