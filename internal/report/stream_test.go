package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/golden"
)

// streamReport drives a Stream the way the scanner does: every input in
// sorted order, including inputs with nothing to report, each file's
// findings handed over in a buffer that is reused (and scribbled over)
// afterwards, so a stream that kept a reference would show it.
func streamReport(t *testing.T, format string, opts Options, r *finding.Report, extra ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	s, err := NewStream(format, &b, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Begin(r.Rules); err != nil {
		t.Fatal(err)
	}
	groups := groupByFile(r)
	for _, name := range extra {
		groups = append(groups, fileGroup{file: name})
	}
	slices.SortStableFunc(groups, func(a, b fileGroup) int { return cmp.Compare(a.file, b.file) })
	var fbuf []finding.Finding
	var ebuf []finding.Error
	for _, g := range groups {
		fbuf = append(fbuf[:0], g.findings...)
		ebuf = append(ebuf[:0], g.errors...)
		if err := s.File(g.file, fbuf, ebuf); err != nil {
			t.Fatalf("File(%s): %v", g.file, err)
		}
		for i := range fbuf {
			fbuf[i] = finding.Finding{Check: "scribbled", File: "scribbled"}
		}
		for i := range ebuf {
			ebuf[i] = finding.Error{File: "scribbled", Message: "scribbled"}
		}
	}
	if err := s.End(r.Resources); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestStreamMatchesReport: the scanner's streaming path and Reporter.Report
// give the same bytes in every format, and files with nothing to report
// print nothing.
func TestStreamMatchesReport(t *testing.T) {
	cases := append([]reportCase{}, reportCases...)
	cases = append(cases, reportCase{name: "sample-color", report: sampleReport, opts: Options{Color: true, ToolVersion: "v0.1.0"}})
	for _, format := range Formats() {
		for _, tc := range cases {
			t.Run(format+"/"+tc.name, func(t *testing.T) {
				want := mustRender(t, format, tc.opts, tc.report())
				got := streamReport(t, format, tc.opts, tc.report(), "a-clean.yaml", "deploy/clean.yaml", "zz-clean.yaml")
				if !bytes.Equal(got, want) {
					t.Errorf("stream and Report differ:\n%s", golden.Diff(want, got))
				}
			})
		}
	}
}

// countingWriter records how many bytes have reached it.
type countingWriter struct {
	n      int
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	w.writes++
	return len(p), nil
}

// bigFile is one input with n distinct unsuppressed findings, large enough
// to overflow the stream's buffer several times in every format.
func bigFile(name string, n int) []finding.Finding {
	fs := make([]finding.Finding, n)
	for i := range fs {
		fs[i] = finding.Finding{
			Check: "pss/privileged", Standard: finding.StandardPodSecurity, Level: "baseline", Severity: finding.SeverityHigh,
			File: name, Line: i + 1,
			Resource:    finding.Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "web", Name: fmt.Sprintf("api-%d", i)},
			Path:        "spec.template.spec.containers[0].securityContext.privileged",
			Message:     `container "app" must not set securityContext.privileged=true`,
			Remediation: "securityContext:\n  privileged: false",
		}
	}
	return fs
}

// TestStreamWritesBeforeEnd proves output is streamed, not buffered: after
// each large File, everything but at most one buffer's worth has already
// reached the writer, and End adds little more than the summary.
func TestStreamWritesBeforeEnd(t *testing.T) {
	const perFile = 2000 // well over streamBufSize of output per file
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			w := &countingWriter{}
			s, err := NewStream(format, w, Options{ToolVersion: "v0.1.0"})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Begin(sampleRules()); err != nil {
				t.Fatal(err)
			}
			if w.n != 0 {
				t.Errorf("Begin wrote %d bytes through to the writer; the header should wait in the buffer", w.n)
			}
			prev := 0
			for i := range 3 {
				name := fmt.Sprintf("deploy/f%d.yaml", i)
				if err := s.File(name, bigFile(name, perFile), nil); err != nil {
					t.Fatal(err)
				}
				if w.n < prev+streamBufSize {
					t.Fatalf("after File %d the writer has %d bytes (was %d): output is being held back", i, w.n, prev)
				}
				prev = w.n
			}
			if err := s.End(3 * perFile); err != nil {
				t.Fatal(err)
			}
			if tail := w.n - prev; tail > streamBufSize+4096 {
				t.Errorf("End wrote %d bytes: more than the buffer plus a summary", tail)
			}
			if w.n < 3*streamBufSize {
				t.Errorf("total %d bytes: the test's files are too small to prove anything", w.n)
			}
		})
	}
}

// TestStreamLargeOutputDecodes checks the streamed documents of a run with
// many files are still well formed, with every finding in them.
func TestStreamLargeOutputDecodes(t *testing.T) {
	const files, perFile = 50, 40
	render := func(format string) []byte {
		var b bytes.Buffer
		s, err := NewStream(format, &b, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Begin(sampleRules()); err != nil {
			t.Fatal(err)
		}
		for i := range files {
			name := fmt.Sprintf("f%03d.yaml", i)
			var es []finding.Error
			if i%10 == 0 {
				es = []finding.Error{{File: name, Line: 1, Message: "bad"}}
			}
			if err := s.File(name, bigFile(name, perFile), es); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.End(files * perFile); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	var j struct {
		Findings []finding.Finding
		Errors   []finding.Error
		Summary  finding.Summary
	}
	if err := json.Unmarshal(render("json"), &j); err != nil {
		t.Fatal(err)
	}
	if len(j.Findings) != files*perFile || len(j.Errors) != files/10 || j.Summary.Findings != files*perFile || j.Summary.BySeverity["high"] != files*perFile {
		t.Errorf("json: %d findings, %d errors, summary %+v", len(j.Findings), len(j.Errors), j.Summary)
	}
	var sarif sarifDoc
	if err := json.Unmarshal(render("sarif"), &sarif); err != nil {
		t.Fatal(err)
	}
	if r := sarif.Runs[0]; len(r.Results) != files*perFile || len(r.Invocations[0].Notifications) != files/10 {
		t.Errorf("sarif: %d results, %d notifications", len(r.Results), len(r.Invocations[0].Notifications))
	}
	var ju junitDoc
	if err := xml.Unmarshal(render("junit"), &ju); err != nil {
		t.Fatal(err)
	}
	if tests, failures, errs, _ := ju.totals(); len(ju.Suites) != files || tests != files*perFile+files/10 || failures != files*perFile || errs != files/10 {
		t.Errorf("junit: %d suites, tests=%d failures=%d errors=%d", len(ju.Suites), tests, failures, errs)
	}
	if got := strings.Count(string(render("github")), "\n"); got != files*perFile+files/10+1 {
		t.Errorf("github: %d lines", got)
	}
}

func TestStreamCallOrder(t *testing.T) {
	for _, format := range Formats() {
		s, _ := NewStream(format, &bytes.Buffer{}, Options{})
		if err := s.File("a", nil, nil); err == nil {
			t.Errorf("%s: File before Begin succeeded", format)
		}
		if err := s.End(0); err == nil {
			t.Errorf("%s: End before Begin succeeded", format)
		}
		if err := s.Begin(nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Begin(nil); err == nil {
			t.Errorf("%s: second Begin succeeded", format)
		}
		if err := s.End(0); err != nil {
			t.Fatal(err)
		}
		if err := s.File("a", nil, nil); err == nil {
			t.Errorf("%s: File after End succeeded", format)
		}
		if err := s.End(0); err == nil {
			t.Errorf("%s: second End succeeded", format)
		}
	}
	if _, err := NewStream("yaml", &bytes.Buffer{}, Options{}); err == nil || !strings.Contains(err.Error(), "sarif") {
		t.Errorf("NewStream(yaml) error = %v", err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// TestStreamWriteError: a write error reaches the caller, at the latest
// from End, and sticks.
func TestStreamWriteError(t *testing.T) {
	boom := errors.New("disk full")
	for _, format := range Formats() {
		s, _ := NewStream(format, failingWriter{boom}, Options{})
		var first error
		for _, err := range []error{
			s.Begin(sampleRules()),
			s.File("big.yaml", bigFile("big.yaml", 2000), nil),
			s.File("more.yaml", bigFile("more.yaml", 10), nil),
		} {
			if err != nil && first == nil {
				first = err
			}
		}
		if !errors.Is(first, boom) {
			t.Errorf("%s: large File did not report the write error: %v", format, first)
		}
		if err := s.End(1); !errors.Is(err, boom) {
			t.Errorf("%s: End = %v, want %v", format, err, boom)
		}
	}
	rep, _ := New("json", Options{})
	if err := rep.Report(failingWriter{boom}, sampleReport()); !errors.Is(err, boom) {
		t.Errorf("Report = %v, want %v", err, boom)
	}
}

// TestGroupByFile: sorted lists are grouped without copying; unsorted ones
// still group each file once.
func TestGroupByFile(t *testing.T) {
	r := sampleReport()
	gs := groupByFile(r)
	var names []string
	for _, g := range gs {
		names = append(names, g.file)
	}
	want := "bad.yaml deploy/api.yaml deploy/exporter.yaml deploy/my ns.yaml missing.yaml"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("groups = %s, want %s", got, want)
	}
	if &gs[1].findings[0] != &r.Findings[0] {
		t.Error("sorted findings were copied")
	}
	r.Findings[0], r.Findings[4] = r.Findings[4], r.Findings[0]
	gs = groupByFile(r)
	if len(gs) != 5 || len(gs[1].findings)+len(gs[2].findings)+len(gs[3].findings) != 5 {
		t.Errorf("unsorted grouping = %+v", gs)
	}
}
