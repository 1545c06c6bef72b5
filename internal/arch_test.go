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
	"cli":       {"config", "engine", "exception", "finding", "load", "report", "scan", "version", "pss"},
	"scan":      {"engine", "finding", "inventory", "load", "manifest"},
	"engine":    {"checks", "config", "exception", "finding", "inventory", "manifest", "pss", "workload"},
	"checks":    {"config", "finding", "inventory", "manifest", "workload"},
	"exception": {"finding"},
	"pss":       {"finding", "workload", "manifest"},
	"inventory": {"finding", "manifest", "workload"},
	"workload":  {"manifest"},
	"load":      {"finding"},
	"manifest":  {"finding"},
	"config":    {"exception", "finding"},
	"report":    {"finding"},
	"finding":   {},
	"version":   {},
	"golden":    {},
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
