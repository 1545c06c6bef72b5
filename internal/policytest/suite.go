package policytest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/policy"
)

// Suite is a gator verify test file (test.gatekeeper.sh/v1alpha1, kind
// Suite): tests pairing a template with a constraint, each with cases.
// Paths are relative to the folder of the Suite file.
type Suite struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Skip       bool   `yaml:"skip"`
	Tests      []Test `yaml:"tests"`
}

// Test instantiates Template with Constraint and runs Cases; Invalid
// expects the constraint to be rejected by the template's schema instead.
type Test struct {
	Name       string `yaml:"name"`
	Template   string `yaml:"template"`
	Constraint string `yaml:"constraint"`
	Cases      []Case `yaml:"cases"`
	Invalid    bool   `yaml:"invalid"`
	Skip       bool   `yaml:"skip"`
}

// Case reviews Object (one object, or an AdmissionReview) with the
// objects of the Inventory files in data.inventory.
type Case struct {
	Name       string      `yaml:"name"`
	Object     string      `yaml:"object"`
	Inventory  []string    `yaml:"inventory"`
	Assertions []Assertion `yaml:"assertions"`
	Skip       bool        `yaml:"skip"`
}

// Assertion: Violations is yes (at least one, the default), no, or an
// exact count of the violations whose message matches Message (a regular
// expression; every violation when empty).
type Assertion struct {
	Violations any     `yaml:"violations"`
	Message    *string `yaml:"message"`
}

const suiteGroup = "test.gatekeeper.sh/"

// isSuite reports whether the file at p is a Suite.
func isSuite(p string) bool {
	b, err := os.ReadFile(p)
	if err != nil {
		return false
	}
	var head struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
	}
	return yaml.Unmarshal(b, &head) == nil && strings.HasPrefix(head.APIVersion, suiteGroup) && head.Kind == "Suite"
}

// runSuite runs one Suite file, printing as gator verify does.
func runSuite(ctx context.Context, path string, opts Options, filter *regexp.Regexp, w io.Writer) (Summary, error) {
	var s Suite
	b, err := os.ReadFile(path)
	if err == nil {
		err = yaml.Unmarshal(b, &s)
	}
	if err != nil {
		return Summary{}, &BadPolicyError{[]finding.Error{{File: path, Message: err.Error()}}}
	}
	var sum Summary
	failed := false
	if s.Skip {
		fmt.Fprintf(w, "skip\t%s\n", path)
		return Summary{Skipped: 1}, nil
	}
	dir := filepath.Dir(path)
	report := func(name, outcome string, err error) {
		switch {
		case outcome == "SKIP":
			sum.Skipped++
		case err != nil:
			failed = true
			if errors.Is(err, errCase) {
				sum.Errored++
			} else {
				sum.Failed++
			}
		default:
			sum.Passed++
		}
		if err != nil {
			fmt.Fprintf(w, "    --- FAIL: %s\n        %v\n", name, err)
		} else if opts.Verbose {
			fmt.Fprintf(w, "    --- %s: %s\n", outcome, name)
		}
	}
	for _, t := range s.Tests {
		if t.Skip || (filter != nil && !filter.MatchString(t.Name) && !anyCase(filter, t)) {
			report(t.Name, "SKIP", nil)
			continue
		}
		if t.Template == "" || t.Constraint == "" {
			report(t.Name, "FAIL", fmt.Errorf("%w: test %q needs a template and a constraint", errCase, t.Name))
			continue
		}
		set, err := policy.Load(ctx, policy.Options{Paths: []string{
			filepath.Join(dir, t.Template), filepath.Join(dir, t.Constraint),
		}})
		switch {
		case t.Invalid && errors.Is(err, policy.ErrSchema):
			report(t.Name, "PASS", nil)
			continue
		case t.Invalid && err == nil:
			report(t.Name, "FAIL", fmt.Errorf("the constraint was accepted, but the test expects it to be invalid"))
			continue
		case err != nil:
			return sum, badPolicy(err)
		}
		if u := set.Unsupported(); len(u) > 0 {
			return sum, &BadPolicyError{u}
		}
		rules := set.Rules()
		if len(rules) == 0 {
			report(t.Name, "FAIL", fmt.Errorf("%w: %s defines no constraint", errCase, t.Constraint))
			continue
		}
		for _, c := range t.Cases {
			name := t.Name + "/" + c.Name
			if c.Skip || (filter != nil && !filter.MatchString(t.Name) && !filter.MatchString(c.Name) && !filter.MatchString(name)) {
				report(name, "SKIP", nil)
				continue
			}
			report(name, "PASS", runCase(set, rules, dir, c))
		}
	}
	if failed {
		fmt.Fprintf(w, "FAIL\t%s\n", path)
	} else {
		fmt.Fprintf(w, "ok\t%s\n", path)
	}
	return sum, nil
}

func anyCase(filter *regexp.Regexp, t Test) bool {
	for _, c := range t.Cases {
		if filter.MatchString(c.Name) || filter.MatchString(t.Name+"/"+c.Name) {
			return true
		}
	}
	return false
}

// errCase marks a case that could not run (as opposed to one whose
// assertions failed).
var errCase = errors.New("invalid case")

// runCase reviews the case's object through the engine, with only the
// test's constraint enabled, and checks the assertions.
func runCase(set *policy.Set, rules []finding.Rule, dir string, c Case) error {
	if c.Object == "" {
		return fmt.Errorf("%w: no object", errCase)
	}
	if len(c.Assertions) == 0 {
		return fmt.Errorf("%w: no assertions", errCase)
	}
	objs, err := readObjects(filepath.Join(dir, c.Object))
	if err != nil {
		return err
	}
	if len(objs) != 1 {
		return fmt.Errorf("%w: %s defines %d objects, want 1", errCase, c.Object, len(objs))
	}
	inv, pinv := inventory.New(), policy.NewInventory()
	for _, p := range c.Inventory {
		more, err := readObjects(filepath.Join(dir, p))
		if err != nil {
			return err
		}
		for _, o := range more {
			inv.Learn(o)
			pinv.Add(o)
		}
	}
	var ids []string
	for _, r := range rules {
		ids = append(ids, r.ID)
	}
	privileged := api.LevelVersion{Level: api.LevelPrivileged, Version: api.LatestVersion()}
	eng, err := engine.New(engine.Options{
		Defaults: api.Policy{Enforce: privileged, Audit: privileged, Warn: privileged},
		Policies: set.WithInventory(pinv),
		Checks:   ids,
	})
	if err != nil {
		return fmt.Errorf("%w: %v", errCase, err)
	}
	fs, ferr := eng.EvaluateObject(objs[0], inv)
	if ferr != nil {
		return fmt.Errorf("%w: %v", errCase, ferr)
	}
	var messages []string
	for _, f := range fs {
		messages = append(messages, f.Message)
	}
	for i, a := range c.Assertions {
		if err := a.check(messages); err != nil {
			return fmt.Errorf("assertion %d: %w; got messages %q", i+1, err, messages)
		}
	}
	return nil
}

func readObjects(path string) ([]*manifest.Object, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errCase, err)
	}
	objs, errs := manifest.Decode(path, b)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %v", errCase, errs[0])
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("%w: %s defines no objects", errCase, path)
	}
	return objs, nil
}

// check applies the assertion to the messages of the violations.
func (a Assertion) check(messages []string) error {
	var re *regexp.Regexp
	if a.Message != nil {
		var err error
		if re, err = regexp.Compile(*a.Message); err != nil {
			return fmt.Errorf("%w: message: %v", errCase, err)
		}
	}
	n := 0
	for _, m := range messages {
		if re == nil || re.MatchString(m) {
			n++
		}
	}
	which := "violations"
	if re != nil {
		which = fmt.Sprintf("violations matching %q", re)
	}
	want := a.Violations
	if want == nil {
		want = "yes"
	}
	switch v := want.(type) {
	case int:
		if v < 0 {
			break
		}
		if n != v {
			return fmt.Errorf("got %d %s, want %d", n, which, v)
		}
		return nil
	case string:
		switch v {
		case "yes":
			if n == 0 {
				return fmt.Errorf("got 0 %s, want at least 1", which)
			}
			return nil
		case "no":
			if n > 0 {
				return fmt.Errorf("got %d %s, want none", n, which)
			}
			return nil
		}
		if i, err := strconv.Atoi(v); err == nil && i >= 0 {
			return Assertion{Violations: i, Message: a.Message}.check(messages)
		}
	case bool:
		// YAML 1.1 readers turn yes/no into booleans.
		return Assertion{Violations: map[bool]string{true: "yes", false: "no"}[v], Message: a.Message}.check(messages)
	}
	return fmt.Errorf("%w: violations must be yes, no or a count, got %v", errCase, want)
}
