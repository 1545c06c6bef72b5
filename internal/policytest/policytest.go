// Package policytest runs `palisade policy test`: the test_* rules of Rego
// policies, with OPA's own tester (as `opa test` and `conftest verify`
// do), and Gatekeeper's gator Suite files (test.gatekeeper.sh/v1alpha1,
// kind Suite), whose cases go through the engine, so a test sees the very
// verdict that scan gives.
package policytest

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/policy"
)

// Options configure a run.
type Options struct {
	// Run, when set, is a regular expression: only Rego tests whose name
	// (data.pkg.test_x) matches, and only suite cases whose test name,
	// case name or "test/case" matches, run.
	Run string
	// Verbose prints every test and case, the print() output of Rego
	// tests, and a trace of each failure.
	Verbose bool
	// Coverage reports which lines of the Rego policies the tests ran.
	Coverage bool
	// RegoVersion of .rego files (policy.RegoAuto, RegoV0, RegoV1).
	RegoVersion string
}

// Summary counts what ran.
type Summary struct {
	Passed, Failed, Errored, Skipped int
}

// Failing reports whether the run must exit 1.
func (s Summary) Failing() bool { return s.Failed > 0 || s.Errored > 0 }

func (s *Summary) add(o Summary) {
	s.Passed += o.Passed
	s.Failed += o.Failed
	s.Errored += o.Errored
	s.Skipped += o.Skipped
}

// BadPolicyError reports policies that cannot be loaded (syntax errors,
// unsafe rules, a template whose kind does not match, a constraint without
// its template, a CEL-only template): exit code 2, each with its file and
// line.
type BadPolicyError struct{ Errors []finding.Error }

func (e *BadPolicyError) Error() string {
	lines := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		lines[i] = fe.Error()
	}
	return strings.Join(lines, "\n")
}

// Run tests every path: a folder (its Rego tests, the ConstraintTemplates
// and constraints it holds, and every Suite file below it), a Suite file,
// or a .rego file. Results go to w. The error is a *BadPolicyError when
// policies do not load, or a usage error.
func Run(ctx context.Context, paths []string, opts Options, w io.Writer) (Summary, error) {
	var filter *regexp.Regexp
	if opts.Run != "" {
		var err error
		if filter, err = regexp.Compile(opts.Run); err != nil {
			return Summary{}, fmt.Errorf("--run: %v", err)
		}
	}
	var regoPaths, suites []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return Summary{}, &BadPolicyError{[]finding.Error{{File: p, Message: cleanErr(err)}}}
		}
		switch ext := strings.ToLower(filepath.Ext(p)); {
		case info.IsDir():
			regoPaths = append(regoPaths, p)
			found, err := findSuites(p)
			if err != nil {
				return Summary{}, err
			}
			suites = append(suites, found...)
		case ext == ".rego":
			regoPaths = append(regoPaths, p)
		case ext == ".yaml" || ext == ".yml":
			if !isSuite(p) {
				return Summary{}, fmt.Errorf("%s is not a gator Suite (apiVersion test.gatekeeper.sh/v1alpha1, kind Suite)", p)
			}
			suites = append(suites, p)
		default:
			return Summary{}, fmt.Errorf("%s: want a folder, a .rego file or a Suite file", p)
		}
	}
	var sum Summary
	if len(regoPaths) > 0 {
		set, err := policy.Load(ctx, policy.Options{Paths: regoPaths, RegoVersion: opts.RegoVersion, Tests: true})
		if err != nil {
			return sum, badPolicy(err)
		}
		if u := set.Unsupported(); len(u) > 0 {
			return sum, &BadPolicyError{u}
		}
		s, err := runRego(ctx, set, opts, filter, w)
		if err != nil {
			return sum, err
		}
		sum.add(s)
	}
	slices.Sort(suites)
	suites = slices.Compact(suites)
	var cases Summary
	for _, p := range suites {
		s, err := runSuite(ctx, p, opts, filter, w)
		if err != nil {
			return sum, err
		}
		cases.add(s)
	}
	if len(suites) > 0 {
		total := cases.Passed + cases.Failed + cases.Errored + cases.Skipped
		fmt.Fprintln(w, strings.Repeat("-", 80))
		for _, c := range []struct {
			label string
			n     int
		}{{"PASS", cases.Passed}, {"FAIL", cases.Failed}, {"ERROR", cases.Errored}, {"SKIPPED", cases.Skipped}} {
			if c.n > 0 {
				fmt.Fprintf(w, "%s: %d/%d suite cases\n", c.label, c.n, total)
			}
		}
	}
	sum.add(cases)
	if sum == (Summary{}) {
		fmt.Fprintf(w, "no tests found in %s\n", strings.Join(paths, ", "))
		sum.Failed++ // a run that tests nothing is a mistake in CI
	}
	return sum, nil
}

// badPolicy converts a policy.Load error.
func badPolicy(err error) error {
	if le, ok := err.(*policy.LoadError); ok {
		return &BadPolicyError{le.Errors}
	}
	return &BadPolicyError{[]finding.Error{{Message: err.Error()}}}
}

// findSuites lists the Suite files below dir, sorted; hidden folders are
// skipped.
func findSuites(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && p != dir {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := strings.ToLower(filepath.Ext(p)); (ext == ".yaml" || ext == ".yml") && isSuite(p) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, &BadPolicyError{[]finding.Error{{File: dir, Message: cleanErr(err)}}}
	}
	return out, nil
}

func cleanErr(err error) string {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}
