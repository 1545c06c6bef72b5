package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

// ANSI SGR sequences; kept to the 8 basic colours so every terminal and CI
// log viewer renders them.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiDim     = "\x1b[2m"
	ansiRed     = "\x1b[31m"
	ansiYellow  = "\x1b[33m"
	ansiMagenta = "\x1b[35m"
	ansiCyan    = "\x1b[36m"
)

// severityWidth fits "CRITICAL", so that check IDs start in one column.
const severityWidth = len("CRITICAL")

type painter bool

func (p painter) paint(code, s string) string {
	if !p || s == "" {
		return s
	}
	return code + s + ansiReset
}

func severityColour(s finding.Severity) string {
	switch s {
	case finding.SeverityCritical:
		return ansiBold + ansiMagenta
	case finding.SeverityHigh:
		return ansiRed
	case finding.SeverityMedium:
		return ansiYellow
	case finding.SeverityLow:
		return ansiCyan
	}
	return ""
}

// textWriter prints one block per file as the file arrives, then the
// summary. Remediation is left out on purpose: it is long, and
// `palisade checks ID` shows it on demand.
type textWriter struct {
	p painter
}

func (*textWriter) begin(*out, []finding.Rule) {}

func (t *textWriter) file(o *out, name string, fs []finding.Finding, es []finding.Error) {
	if len(fs) == 0 && len(es) == 0 {
		return
	}
	p := t.p
	o.str(p.paint(ansiBold, name) + "\n")
	for _, e := range es {
		loc := ""
		if e.Line > 0 {
			loc = fmt.Sprintf("line %d: ", e.Line)
		}
		o.printf("  %s %s%s\n", p.paint(ansiBold+ansiRed, "error:"), loc, e.Message)
	}
	width := lineWidth(fs)
	for _, f := range fs {
		writeTextFinding(o, p, width, f)
	}
	o.str("\n")
}

func (t *textWriter) end(o *out, tl *tally) {
	o.str(t.p.paint(ansiBold, summaryLine(tl)) + "\n")
}

func writeTextFinding(o *out, p painter, width int, f finding.Finding) {
	sev := strings.ToUpper(f.Severity.String())
	pad := strings.Repeat(" ", max(0, severityWidth-len(sev)))
	// The colon ends the "where" part, so the message never reads as part
	// of the resource name.
	where := resourceLabel(f.Resource) + ": " + f.Message
	if f.Path != "" {
		where = resourceLabel(f.Resource) + " " + f.Path + ": " + f.Message
	}
	// A suppressed line is dimmed as a whole, and an inner reset would end
	// the dimming early, so its severity goes uncoloured.
	sp := p && !painter(f.Suppressed)
	line := fmt.Sprintf("%*s %s%s %s %s",
		width, lineText(f.Line), sp.paint(severityColour(f.Severity), sev), pad, f.Check, where)
	if f.Suppressed {
		line = p.paint(ansiDim, line+" (suppressed)")
	}
	o.str("  " + line + "\n")
}

// lineWidth right-aligns line numbers within a file so severities line up.
func lineWidth(fs []finding.Finding) int {
	w := 1
	for _, f := range fs {
		w = max(w, len(lineText(f.Line)))
	}
	return w
}

// lineText shows "-" where the line is unknown rather than a misleading 0.
func lineText(n int) string {
	if n <= 0 {
		return "-"
	}
	return strconv.Itoa(n)
}
