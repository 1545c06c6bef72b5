package policytest

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/palisade-dev/palisade/internal/policy"
)

// runRego runs the test_* rules of set with OPA's tester and reports them
// as `opa test` does: failures (every test with Verbose) with their file
// and line, the failing expression, and PASS/FAIL/ERROR counts.
func runRego(ctx context.Context, set *policy.Set, opts Options, filter *regexp.Regexp, w io.Writer) (Summary, error) {
	modules := set.TestModules()
	var builtins []*tester.Builtin
	for _, b := range policy.TestBuiltins() {
		builtins = append(builtins, &tester.Builtin{Decl: b.Decl, Func: b.Func})
	}
	runner := tester.NewRunner().
		SetCompiler(policy.NewTestCompiler()).
		SetStore(inmem.NewFromObject(set.Data())).
		SetModules(modules).
		AddCustomBuiltins(builtins).
		EnableTracing(true).
		CapturePrintOutput(true).
		RaiseBuiltinErrors(true)
	if filter != nil {
		runner = runner.Filter(filter.String())
	}
	var cov *cover.Cover
	if opts.Coverage {
		cov = cover.New()
		runner = runner.SetCoverageQueryTracer(cov)
	}
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return Summary{}, badPolicy(err)
	}
	// Results arrive in any order: sort them by file and line.
	var results []*tester.Result
	for r := range ch {
		results = append(results, r)
	}
	if len(results) == 0 {
		return Summary{}, nil
	}
	slices.SortFunc(results, func(a, b *tester.Result) int {
		return cmp.Or(cmp.Compare(a.Location.File, b.Location.File), cmp.Compare(a.Location.Row, b.Location.Row), cmp.Compare(a.Name, b.Name))
	})
	var sum Summary
	sorted := make(chan *tester.Result, len(results))
	for _, r := range results {
		switch {
		case r.Skip:
			sum.Skipped++
		case r.Error != nil:
			sum.Errored++
		case r.Fail:
			sum.Failed++
		default:
			sum.Passed++
		}
		sorted <- r
	}
	close(sorted)
	rep := tester.PrettyReporter{Output: w, Verbose: opts.Verbose, FailureLine: true}
	if err := rep.Report(sorted); err != nil {
		return sum, err
	}
	if cov != nil {
		reportCoverage(w, cov.Report(modules), opts.Verbose)
	}
	return sum, nil
}

// reportCoverage prints the share of policy lines the tests ran, per file
// (test files excluded), and with verbose the lines they did not.
func reportCoverage(w io.Writer, rep cover.Report, verbose bool) {
	var files []string
	covered, total := 0, 0
	for f, fr := range rep.Files {
		if strings.HasSuffix(f, "_test.rego") {
			continue
		}
		files = append(files, f)
		covered += fr.CoveredLines
		total += fr.CoveredLines + fr.NotCoveredLines
	}
	slices.Sort(files)
	pct := 100.0
	if total > 0 {
		pct = 100 * float64(covered) / float64(total)
	}
	fmt.Fprintf(w, "coverage: %.1f%% of %d lines\n", pct, total)
	for _, f := range files {
		fr := rep.Files[f]
		fmt.Fprintf(w, "  %s\t%.1f%%\n", f, fr.Coverage)
		if verbose && len(fr.NotCovered) > 0 {
			var ranges []string
			for _, r := range fr.NotCovered {
				if r.Start.Row == r.End.Row {
					ranges = append(ranges, fmt.Sprint(r.Start.Row))
				} else {
					ranges = append(ranges, fmt.Sprintf("%d-%d", r.Start.Row, r.End.Row))
				}
			}
			fmt.Fprintf(w, "    not covered: %s\n", strings.Join(ranges, ", "))
		}
	}
}
