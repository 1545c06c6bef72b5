package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/policy"
)

const examplePolicies = "../../policies/examples"

// exampleSamples are the objects the example policies' tests use.
func exampleSamples(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(examplePolicies, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(filepath.Dir(p)) == "samples" {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("samples: %v %v", files, err)
	}
	slices.Sort(files)
	return files
}

// verdict is what must agree between stages: which rule, where, what.
func verdict(f finding.Finding) string {
	return fmt.Sprintf("%s %s:%d %s %s %s: %s", f.Check, f.File, f.Line, f.Severity, f.Resource, f.Path, f.Message)
}

// TestExamplePoliciesOneVerdict: every example policy gives the same
// findings on the same objects through `palisade scan` and through
// engine.EvaluateObject, the path the admission webhook takes. The
// referential policy sees the other objects through data.inventory in both.
func TestExamplePoliciesOneVerdict(t *testing.T) {
	samples := exampleSamples(t)

	// Stage 1: the scan, end to end.
	var out, errOut bytes.Buffer
	args := append([]string{"scan", "--policy", examplePolicies, "--checks", "policy/*", "-o", "json", "--fail-on", "none"}, samples...)
	if code := Main(context.Background(), args, nil, &out, &errOut); code != 0 {
		t.Fatalf("scan exited %d: %s", code, errOut.String())
	}
	var rep struct{ Findings []finding.Finding }
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	var viaScan []string
	for _, f := range rep.Findings {
		viaScan = append(viaScan, verdict(f))
	}

	// Stage 2: the engine, object by object, as the webhook calls it.
	set, err := policy.Load(context.Background(), policy.Options{Paths: []string{examplePolicies}})
	if err != nil {
		t.Fatal(err)
	}
	lv := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}
	eng, err := engine.New(engine.Options{Defaults: api.Policy{Enforce: lv, Audit: lv, Warn: lv}, Checks: []string{"policy/*"}, Policies: set})
	if err != nil {
		t.Fatal(err)
	}
	var objs []*manifest.Object
	inv := inventory.New()
	keep, keepKind := set.Keeper()
	for _, p := range samples {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		o, errs := manifest.Decode(p, b)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		for _, x := range o {
			inv.Learn(x)
			if keep != nil && (keepKind == nil || keepKind(x.Kind)) {
				keep(x)
			}
		}
		objs = append(objs, o...)
	}
	var viaEngine []string
	fired := map[string]bool{}
	for _, o := range objs {
		fs, ferr := eng.EvaluateObject(o, inv)
		if ferr != nil {
			t.Fatalf("%v", ferr)
		}
		for _, f := range fs {
			viaEngine = append(viaEngine, verdict(f))
			fired[f.Check] = true
		}
	}
	slices.Sort(viaScan)
	slices.Sort(viaEngine)
	if !slices.Equal(viaScan, viaEngine) {
		t.Errorf("scan and engine disagree\nscan:\n%s\nengine:\n%s", strings.Join(viaScan, "\n"), strings.Join(viaEngine, "\n"))
	}
	// Every example policy was exercised, and denied something.
	for _, r := range set.Rules() {
		if !fired[r.ID] {
			t.Errorf("example policy %s found nothing in the samples", r.ID)
		}
	}
	// Both styles of deny-host-PID give one verdict: same objects, same
	// lines, same messages.
	styles := map[string][]string{}
	for _, v := range viaEngine {
		for _, id := range []string{"policy/no-host-pid ", "policy/k8sdenyhostpid.no-host-pid "} {
			if rest, ok := strings.CutPrefix(v, id); ok {
				styles[id] = append(styles[id], rest)
			}
		}
	}
	if a, b := styles["policy/no-host-pid "], styles["policy/k8sdenyhostpid.no-host-pid "]; len(a) == 0 || !slices.Equal(a, b) {
		t.Errorf("Conftest and Gatekeeper host PID differ:\n%q\n%q", a, b)
	}
}

// TestPolicyExitCodes pins the exit code of each outcome (SPEC.md).
func TestPolicyExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("fail_test.rego", "package main\ntest_no if false\n")
	write("bad.rego", "package main\ndeny contains x if true\n")
	write("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {hostPID: true, containers: [{name: c, image: i}]}\n")
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"policy", "test", examplePolicies}, ExitOK},
		{[]string{"policy", "test", filepath.Join(dir, "fail_test.rego")}, ExitFindings},
		{[]string{"policy", "test", dir}, ExitUsage},
		{[]string{"policy", "test", "--run", "(", examplePolicies}, ExitUsage},
		{[]string{"scan", "--policy", filepath.Join(dir, "bad.rego"), filepath.Join(dir, "pod.yaml")}, ExitUsage},
		{[]string{"scan", "--policy", examplePolicies, "--checks", "policy/*", filepath.Join(dir, "pod.yaml")}, ExitFindings},
		{[]string{"scan", "--policy", examplePolicies, "--checks", "policy/*", "--fail-on", "critical", filepath.Join(dir, "pod.yaml")}, ExitOK},
	}
	for _, tc := range tests {
		var out, errOut bytes.Buffer
		if code := Main(context.Background(), tc.args, nil, &out, &errOut); code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.args, code, tc.code, out.String(), errOut.String())
		}
	}
}
