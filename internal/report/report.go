// Package report renders findings in the formats users and CI systems
// consume (text, json, sarif, junit, github) and renders the check catalogue
// behind `palisade checks` and docs/checks.md.
//
// Every format streams: a Stream receives the rules, then each input file's
// findings and errors as the scanner finishes it, then the resource count,
// and writes as it goes, so memory stays proportional to one file's findings
// (plus the rules and the few input errors) however large the run. Reporter
// renders a whole finding.Report by driving the same Stream, so both paths
// give the same bytes.
//
// Every renderer is a pure function of its input: no clock, no map order,
// no environment, so the same input always yields the same bytes.
package report

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

// Options tune rendering. The CLI decides Color (stdout is a terminal and
// NO_COLOR is unset); renderers never inspect the environment themselves.
type Options struct {
	Color       bool
	ToolVersion string
}

// Reporter writes one whole report in one format.
type Reporter interface {
	Report(w io.Writer, r *finding.Report) error
}

// Stream renders a report incrementally: Begin once, File once per input in
// output order, End once.
//
// Output goes to the writer through a buffer owned by the stream, which End
// flushes; until then up to streamBufSize bytes may be held back. A write
// error is sticky: the call that meets it and every later call return it.
// Because output is streamed, a failed run can leave a partial document
// behind.
type Stream interface {
	// Begin receives every rule the run may report (SARIF lists them all
	// as rules, sorted by ID, first of any duplicate IDs kept).
	Begin(rules []finding.Rule) error
	// File receives one input's findings (sorted by line, check) and
	// errors. name is the input's file name; findings/errs may be empty,
	// and then no format prints anything for it. Findings' File field
	// equals name, errors' File field equals name. The stream does not
	// keep findings after File returns, so the caller may reuse the slice.
	//
	// In SARIF, a finding whose check is not among the rules given to
	// Begin is still reported, with its ruleId but without a ruleIndex:
	// the rules array is already written by then.
	File(name string, findings []finding.Finding, errs []finding.Error) error
	// End finishes the document; resources is how many objects were
	// scanned. The stream itself counts findings, suppressed, by-severity
	// and errors for the summary.
	End(resources int) error
}

// streamBufSize is the size of the buffer between a stream and its writer.
const streamBufSize = 64 << 10

// formatWriter is what one format contributes to a stream; stream does the
// call-order checks, the counting and the error handling around it.
// Write errors are recorded in out, so format code does not check them.
type formatWriter interface {
	begin(o *out, rules []finding.Rule)
	file(o *out, name string, fs []finding.Finding, es []finding.Error)
	end(o *out, t *tally)
}

// constructors is the whole list of formats; adding one is one line here.
var constructors = map[string]func(Options) formatWriter{
	"text":   func(o Options) formatWriter { return &textWriter{p: painter(o.Color)} },
	"json":   func(o Options) formatWriter { return &jsonWriter{version: o.ToolVersion} },
	"sarif":  func(o Options) formatWriter { return &sarifWriter{version: o.ToolVersion} },
	"junit":  func(Options) formatWriter { return &junitWriter{} },
	"github": func(Options) formatWriter { return githubWriter{} },
}

// NewStream returns a stream writing format to w, or an error naming the
// valid formats.
func NewStream(format string, w io.Writer, opts Options) (Stream, error) {
	c, ok := constructors[format]
	if !ok {
		return nil, unknownFormat(format)
	}
	return &stream{o: out{w: bufio.NewWriterSize(w, streamBufSize)}, f: c(opts), t: newTally()}, nil
}

// New returns the reporter for format, or an error naming the valid formats.
func New(format string, opts Options) (Reporter, error) {
	if _, ok := constructors[format]; !ok {
		return nil, unknownFormat(format)
	}
	return reporter{format: format, opts: opts}, nil
}

func unknownFormat(format string) error {
	return fmt.Errorf("unknown format %q (valid: %s)", format, strings.Join(Formats(), ", "))
}

// Formats lists the report formats, sorted, for flag help and errors.
func Formats() []string {
	return slices.Sorted(maps.Keys(constructors))
}

// reporter renders a whole report through a Stream.
type reporter struct {
	format string
	opts   Options
}

// Report drives a Stream with r: Begin(r.Rules), File per input file in
// file-name order (findings and errors merged), End(r.Resources).
func (rp reporter) Report(w io.Writer, r *finding.Report) error {
	if r == nil {
		r = &finding.Report{}
	}
	s, err := NewStream(rp.format, w, rp.opts)
	if err != nil {
		return err
	}
	if err := s.Begin(r.Rules); err != nil {
		return err
	}
	for _, g := range groupByFile(r) {
		if err := s.File(g.file, g.findings, g.errors); err != nil {
			return err
		}
	}
	return s.End(r.Resources)
}

// stream is the one Stream implementation: call-order checks, counting and
// the buffered writer, around a format.
type stream struct {
	o     out
	f     formatWriter
	t     tally
	state streamState
}

type streamState int

const (
	stateNew streamState = iota
	stateBegun
	stateEnded
)

var (
	errNotBegun = errors.New("report: File or End before Begin")
	errBegun    = errors.New("report: Begin called twice")
	errEnded    = errors.New("report: stream used after End")
)

func (s *stream) check(want streamState) error {
	if s.o.err != nil {
		return s.o.err
	}
	switch {
	case s.state == stateEnded:
		return errEnded
	case want == stateNew && s.state != stateNew:
		return errBegun
	case want == stateBegun && s.state != stateBegun:
		return errNotBegun
	}
	return nil
}

func (s *stream) Begin(rules []finding.Rule) error {
	if err := s.check(stateNew); err != nil {
		return err
	}
	s.state = stateBegun
	s.f.begin(&s.o, rules)
	return s.o.err
}

func (s *stream) File(name string, fs []finding.Finding, es []finding.Error) error {
	if err := s.check(stateBegun); err != nil {
		return err
	}
	s.t.add(fs, es)
	s.f.file(&s.o, name, fs, es)
	return s.o.err
}

func (s *stream) End(resources int) error {
	if err := s.check(stateBegun); err != nil {
		return err
	}
	s.state = stateEnded
	s.t.resources = resources
	s.f.end(&s.o, &s.t)
	if s.o.err == nil {
		s.o.err = s.o.w.Flush()
	}
	return s.o.err
}

// out is the buffered writer of a stream. The first error sticks and turns
// every later write into a no-op, so format code writes without checking
// each call; stream returns the error.
type out struct {
	w   *bufio.Writer
	err error
}

func (o *out) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	o.err = err
	return n, err
}

func (o *out) str(s string) {
	if o.err == nil {
		_, o.err = o.w.WriteString(s)
	}
}

func (o *out) printf(format string, args ...any) { fmt.Fprintf(o, format, args...) }

// fail records an error that is not a write error (an encoder's).
func (o *out) fail(err error) {
	if o.err == nil {
		o.err = err
	}
}

// tally counts what a stream has seen, for the summaries. Like
// finding.Report.Summary, only unsuppressed findings count by severity.
type tally struct {
	resources  int
	findings   int
	suppressed int
	errors     int
	bySeverity map[string]int
}

func newTally() tally {
	return tally{bySeverity: map[string]int{"critical": 0, "high": 0, "medium": 0, "low": 0}}
}

func (t *tally) add(fs []finding.Finding, es []finding.Error) {
	t.errors += len(es)
	for _, f := range fs {
		if f.Suppressed {
			t.suppressed++
			continue
		}
		t.findings++
		if f.Severity > finding.SeverityNone {
			t.bySeverity[f.Severity.String()]++
		}
	}
}

// summary is the JSON summary object; it gets its own map, so the tally
// can keep counting.
func (t *tally) summary() finding.Summary {
	return finding.Summary{
		Resources:  t.resources,
		Findings:   t.findings,
		Suppressed: t.suppressed,
		BySeverity: maps.Clone(t.bySeverity),
	}
}

// resourceLabel is the human form "Kind ns/name" (or "Kind name" when the
// object is cluster-scoped), used by text, junit and github output.
func resourceLabel(r finding.Resource) string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// summaryLine is the one-line tally shared by text and github output, e.g.
// "3 resources scanned, 5 findings (2 high, 3 medium), 1 suppressed, 1 error".
func summaryLine(t *tally) string {
	var b strings.Builder
	b.WriteString(plural(t.resources, "resource", "resources") + " scanned, ")
	b.WriteString(plural(t.findings, "finding", "findings"))
	var parts []string
	for _, sev := range []string{"critical", "high", "medium", "low"} {
		if n := t.bySeverity[sev]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	if len(parts) > 0 {
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	if t.suppressed > 0 {
		fmt.Fprintf(&b, ", %d suppressed", t.suppressed)
	}
	if t.errors > 0 {
		b.WriteString(", " + plural(t.errors, "error", "errors"))
	}
	return b.String()
}

// reportTally counts a whole report as a stream would.
func reportTally(r *finding.Report) tally {
	t := newTally()
	t.resources = r.Resources
	t.add(r.Findings, r.Errors)
	return t
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// fileGroup holds what one file contributed: the arguments of one
// Stream.File call.
type fileGroup struct {
	file     string
	findings []finding.Finding
	errors   []finding.Error
}

// groupByFile merges findings and errors into per-file groups. Both lists
// normally arrive sorted by file, and then the groups are in file-name order
// and share the report's slices rather than copying them. If a list is not
// sorted, each file's group is placed at the file's first appearance in the
// merge, and each list's own order is kept, so the result is still
// deterministic.
func groupByFile(r *finding.Report) []fileGroup {
	byFile := func(a, b finding.Finding) int { return cmp.Compare(a.File, b.File) }
	errByFile := func(a, b finding.Error) int { return cmp.Compare(a.File, b.File) }
	if slices.IsSortedFunc(r.Findings, byFile) && slices.IsSortedFunc(r.Errors, errByFile) {
		return groupSorted(r.Findings, r.Errors)
	}
	var groups []fileGroup
	index := map[string]int{}
	get := func(file string) *fileGroup {
		i, ok := index[file]
		if !ok {
			i = len(groups)
			index[file] = i
			groups = append(groups, fileGroup{file: file})
		}
		return &groups[i]
	}
	fi, ei := 0, 0
	for fi < len(r.Findings) || ei < len(r.Errors) {
		takeFinding := ei >= len(r.Errors) ||
			(fi < len(r.Findings) && r.Findings[fi].File <= r.Errors[ei].File)
		if takeFinding {
			g := get(r.Findings[fi].File)
			g.findings = append(g.findings, r.Findings[fi])
			fi++
		} else {
			g := get(r.Errors[ei].File)
			g.errors = append(g.errors, r.Errors[ei])
			ei++
		}
	}
	return groups
}

// groupSorted merges two lists sorted by file into groups that are
// sub-slices of them.
func groupSorted(fs []finding.Finding, es []finding.Error) []fileGroup {
	var groups []fileGroup
	for len(fs) > 0 || len(es) > 0 {
		var name string
		switch {
		case len(es) == 0:
			name = fs[0].File
		case len(fs) == 0:
			name = es[0].File
		default:
			name = min(fs[0].File, es[0].File)
		}
		nf := 0
		for nf < len(fs) && fs[nf].File == name {
			nf++
		}
		ne := 0
		for ne < len(es) && es[ne].File == name {
			ne++
		}
		groups = append(groups, fileGroup{file: name, findings: fs[:nf:nf], errors: es[:ne:ne]})
		fs, es = fs[nf:], es[ne:]
	}
	return groups
}
