package engine

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/internal/exception"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/policy"
)

func loadPolicies(t *testing.T, rego string) *policy.Set {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.rego"), []byte(rego), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := policy.Load(context.Background(), policy.Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const privilegedPolicy = `package main

# METADATA
# title: No privileged containers
# custom:
#   id: policy/no-privileged
deny_privileged contains {"msg": "privileged", "path": "spec.template.spec.containers[0].securityContext.privileged"} if {
	input.spec.template.spec.containers[0].securityContext.privileged
}

warn_kind contains "a DaemonSet" if input.kind == "DaemonSet"
`

// TestPolicies: custom policy findings go through the same filters,
// severity overrides and exceptions as every other finding, and their
// rules join the catalogue.
func TestPolicies(t *testing.T) {
	set := loadPolicies(t, privilegedPolicy)
	doc := strings.Replace(privileged, "%s", "{}", 1)
	tests := []struct {
		name string
		opts Options
		doc  string
		want string // check severity line suppressed, for policy findings
	}{{
		name: "as written",
		opts: Options{Policies: set},
		doc:  doc,
		want: "policy/main.warn_kind low 1 false\npolicy/no-privileged high 14 false\n",
	}, {
		name: "filtered and overridden",
		opts: Options{Policies: set, SkipChecks: []string{"policy/main.*"}, Severity: map[string]finding.Severity{"policy/no-privileged": finding.SeverityCritical}},
		doc:  doc,
		want: "policy/no-privileged critical 14 false\n",
	}, {
		name: "excepted by annotation",
		opts: Options{Policies: set},
		doc:  strings.Replace(privileged, "%s", `{palisade.dev/exempt: "policy/no-privileged", palisade.dev/exempt-reason: "device plugin"}`, 1),
		want: "policy/main.warn_kind low 1 false\npolicy/no-privileged high 14 true\n",
	}, {
		name: "excepted by the exception list",
		opts: Options{Policies: set, Exceptions: mustExceptions(t, "exceptions:\n- checks: [\"policy/*\"]\n  resources: [{kind: DaemonSet}]\n  reason: reviewed\n")},
		doc:  doc,
		want: "policy/main.warn_kind low 1 true\npolicy/no-privileged high 14 true\n",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			fs := evaluate(t, e, tc.doc)
			finding.Sort(fs)
			for _, f := range fs {
				if f.Standard == finding.StandardPolicy {
					got.WriteString(f.Check + " " + f.Severity.String() + " " + strconv.Itoa(f.Line) + " " + strconv.FormatBool(f.Suppressed) + "\n")
				}
			}
			if got.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got.String(), tc.want)
			}
		})
	}

	e, err := New(Options{Policies: set, Severity: map[string]finding.Severity{"policy/no-privileged": finding.SeverityLow}})
	if err != nil {
		t.Fatalf("severity overrides accept policy rules: %v", err)
	}
	var ids []string
	for _, r := range e.Rules() {
		if r.Standard == finding.StandardPolicy {
			ids = append(ids, r.ID+" "+r.Severity.String())
		}
	}
	if strings.Join(ids, ",") != "policy/main.warn_kind low,policy/no-privileged low" {
		t.Errorf("Rules() policy entries: %v", ids)
	}
}

// TestPolicyErrors: a policy that fails at runtime is an error on the
// object, and the other findings stay.
func TestPolicyErrors(t *testing.T) {
	set := loadPolicies(t, "package main\ndeny_a := x if { x := input.kind }\ndeny_a := x if { x := input.metadata.name }\n")
	e, err := New(Options{Defaults: restricted(), Policies: set})
	if err != nil {
		t.Fatal(err)
	}
	objs, _ := manifest.Decode("ds.yaml", []byte(strings.Replace(privileged, "%s", "{}", 1)))
	fs, ferr := e.EvaluateObject(objs[0], inventory.New())
	if ferr == nil || ferr.File != "ds.yaml" || ferr.Line != 1 || !strings.Contains(ferr.Message, "DaemonSet node-exporter: policy: policy/main.deny_a: ") {
		t.Fatalf("error %+v", ferr)
	}
	if len(byCheck(fs, "pss/privileged")) != 1 {
		t.Fatal("the other findings stay")
	}
}

func mustExceptions(t *testing.T, doc string) *exception.List {
	t.Helper()
	l, err := exception.Parse("ex.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return l
}
