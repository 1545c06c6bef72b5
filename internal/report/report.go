// Package report renders a finding.Report in the formats users and CI
// systems consume (text, json, sarif, junit, github) and renders the check
// catalogue behind `palisade checks` and docs/checks.md.
//
// Every renderer is a pure function of the report: no clock, no map order,
// no environment, so the same input always yields the same bytes.
package report

import (
	"bytes"
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

// Reporter writes one report in one format.
type Reporter interface {
	Report(w io.Writer, r *finding.Report) error
}

// reporterFunc lets each format be a plain function.
type reporterFunc func(w io.Writer, r *finding.Report) error

func (f reporterFunc) Report(w io.Writer, r *finding.Report) error { return f(w, r) }

// constructors is the whole list of formats; adding one is one line here.
var constructors = map[string]func(Options) Reporter{
	"text":   func(o Options) Reporter { return render(o, writeText) },
	"json":   func(o Options) Reporter { return render(o, writeJSON) },
	"sarif":  func(o Options) Reporter { return render(o, writeSARIF) },
	"junit":  func(o Options) Reporter { return render(o, writeJUnit) },
	"github": func(o Options) Reporter { return render(o, writeGitHub) },
}

// New returns the reporter for format, or an error naming the valid formats.
func New(format string, opts Options) (Reporter, error) {
	c, ok := constructors[format]
	if !ok {
		return nil, fmt.Errorf("unknown format %q (valid: %s)", format, strings.Join(Formats(), ", "))
	}
	return c(opts), nil
}

// Formats lists the report formats, sorted, for flag help and errors.
func Formats() []string {
	return slices.Sorted(maps.Keys(constructors))
}

// render buffers the whole output so that a half-written document never
// reaches w, and so that each format writes without checking every error.
func render(o Options, fn func(b *bytes.Buffer, o Options, r *finding.Report) error) Reporter {
	return reporterFunc(func(w io.Writer, r *finding.Report) error {
		if r == nil {
			r = &finding.Report{}
		}
		var b bytes.Buffer
		if err := fn(&b, o, r); err != nil {
			return err
		}
		_, err := w.Write(b.Bytes())
		return err
	})
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
func summaryLine(r *finding.Report) string {
	s := r.Summary()
	var b strings.Builder
	b.WriteString(plural(s.Resources, "resource", "resources") + " scanned, ")
	b.WriteString(plural(s.Findings, "finding", "findings"))
	var parts []string
	for _, sev := range []string{"critical", "high", "medium", "low"} {
		if n := s.BySeverity[sev]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	if len(parts) > 0 {
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	if s.Suppressed > 0 {
		fmt.Fprintf(&b, ", %d suppressed", s.Suppressed)
	}
	if len(r.Errors) > 0 {
		b.WriteString(", " + plural(len(r.Errors), "error", "errors"))
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// fileGroup holds what one file contributed, for the per-file layouts of
// text and junit output.
type fileGroup struct {
	file     string
	findings []finding.Finding
	errors   []finding.Error
}

// groupByFile merges findings and errors into per-file groups. Both lists
// arrive sorted by file, so a merge keeps that order; if they are not, each
// list's own order is still kept and the result is still deterministic.
func groupByFile(r *finding.Report) []fileGroup {
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
