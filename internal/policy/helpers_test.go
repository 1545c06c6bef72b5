package policy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
)

// writeFiles writes files (path → content) under a new temporary folder.
func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadFiles loads files as one policy folder.
func loadFiles(t testing.TB, files map[string]string, opts Options) (*Set, string, error) {
	t.Helper()
	dir := writeFiles(t, files)
	opts.Paths = append(opts.Paths, dir)
	s, err := Load(context.Background(), opts)
	return s, dir, err
}

func mustLoad(t testing.TB, files map[string]string, opts Options) *Set {
	t.Helper()
	s, _, err := loadFiles(t, files, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

func decode(t testing.TB, doc string) []*manifest.Object {
	t.Helper()
	objs, errs := manifest.Decode("in.yaml", []byte(doc))
	if len(errs) > 0 {
		t.Fatalf("decode: %v", errs)
	}
	return objs
}

// evaluate runs s on the single object of doc; namespaces are learnt into
// the inventory first.
func evaluate(t testing.TB, s *Set, doc string, namespaces ...string) []finding.Finding {
	t.Helper()
	inv := inventory.New()
	for _, ns := range namespaces {
		for _, o := range decode(t, ns) {
			inv.Learn(o)
		}
	}
	fs, err := s.Evaluate(context.Background(), decode(t, doc)[0], inv)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return fs
}

// brief renders findings as "check line path: message" lines.
func brief(fs []finding.Finding) string {
	finding.Sort(fs)
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s %d %s %s: %s\n", f.Check, f.Line, f.Severity, f.Path, f.Message)
	}
	return b.String()
}

const podHostPID = `apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: web
  labels: {app: web}
spec:
  hostPID: true
  containers:
  - name: c
    image: i
`

// templateYAML builds a ConstraintTemplate with legacy Rego (v0).
func templateYAML(kind, rego string) string {
	return `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: ` + strings.ToLower(kind) + `
spec:
  crd:
    spec:
      names:
        kind: ` + kind + `
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
` + indent(rego, "      ")
}

func constraintYAML(kind, name, spec string) string {
	return `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: ` + kind + `
metadata:
  name: ` + name + `
spec:
` + indent(spec, "  ")
}

func indent(s, by string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = by + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}
