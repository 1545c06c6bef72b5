package internal_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// allowed is the import direction of ARCHITECTURE.md: a package may import
// only the internal packages listed for it, so data flows one way
// (load -> normalize -> evaluate -> report) and nothing imports upward.
var allowed = map[string][]string{
	"cli":       {"config", "engine", "exception", "finding", "load", "report", "scan", "version", "pss", "cluster", "webhook", "auditlog", "detect", "policy", "policytest"},
	"scan":      {"engine", "finding", "inventory", "load", "manifest", "workload"},
	"cluster":   {"engine", "finding", "inventory", "manifest", "pss", "workload"},
	"webhook":   {"config", "engine", "exception", "finding", "inventory", "manifest", "pss", "workload"},
	"engine":    {"checks", "config", "exception", "finding", "inventory", "manifest", "pss", "workload", "policy"},
	"checks":    {"config", "finding", "inventory", "manifest", "workload"},
	"exception": {"finding"},
	"pss":       {"finding", "workload", "manifest"},
	"inventory": {"finding", "manifest", "workload"},
	"workload":  {"manifest"},
	"load":      {"finding", "load/helm", "load/kustomize"},
	"manifest":  {"finding"},
	"config":    {"exception", "finding"},
	"report":    {"finding"},
	"finding":   {},
	"version":   {},
	"golden":    {},
	"auditlog":  {},
	"detect":    {"finding", "pss"},
	"testenv":   {},
	// Custom Rego policies, and their tests through the engine.
	"policy":     {"finding", "manifest", "inventory"},
	"policytest": {"engine", "policy", "finding", "manifest", "inventory"},

	// Rendering charts and overlays: self-contained, below load.
	"load/helm":      {"finding"},
	"load/kustomize": {"finding"},
}

func TestImportDirection(t *testing.T) {
	const mod = "github.com/palisade-dev/palisade/internal/"
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(p.ImportPath, mod)
		if name == p.ImportPath || name == "" {
			continue
		}
		ok, known := allowed[name]
		if !known {
			t.Errorf("package internal/%s is not in the import-direction table: add it with the packages it may import", name)
			continue
		}
		for _, imp := range p.Imports {
			dep, isInternal := strings.CutPrefix(imp, mod)
			if !isInternal {
				continue
			}
			permitted := false
			for _, a := range ok {
				permitted = permitted || a == dep
			}
			if !permitted {
				t.Errorf("internal/%s imports internal/%s, which the architecture does not allow", name, dep)
			}
		}
	}
}
