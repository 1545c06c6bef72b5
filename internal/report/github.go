package report

import (
	"strconv"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

// githubWriter prints GitHub Actions workflow commands, which the runner
// turns into annotations on the pull request's files: per file, its input
// errors and then its findings, and the summary last. Suppressed findings are
// left out: an annotation asks for action, and an excepted finding needs
// none.
type githubWriter struct{}

func (githubWriter) begin(*out, []finding.Rule) {}

func (githubWriter) file(o *out, _ string, fs []finding.Finding, es []finding.Error) {
	for _, e := range es {
		writeCommand(o, "error", e.File, e.Line, "input error", e.Message)
	}
	for _, f := range fs {
		if f.Suppressed {
			continue
		}
		msg := resourceLabel(f.Resource) + ": " + f.Message
		if f.Path != "" {
			msg = resourceLabel(f.Resource) + " " + f.Path + ": " + f.Message
		}
		writeCommand(o, githubLevel(f.Severity), f.File, f.Line, f.Check, msg)
	}
}

func (githubWriter) end(o *out, t *tally) {
	// A plain line: the runner shows it in the log as is.
	o.str(summaryLine(t) + "\n")
}

func writeCommand(o *out, command, file string, line int, title, message string) {
	o.str("::" + command + " file=" + escapeProperty(file))
	if line > 0 {
		o.str(",line=" + strconv.Itoa(line))
	}
	o.str(",title=" + escapeProperty(title) + "::" + escapeData(message) + "\n")
}

func githubLevel(s finding.Severity) string {
	switch {
	case s >= finding.SeverityHigh:
		return "error"
	case s == finding.SeverityMedium:
		return "warning"
	}
	return "notice"
}

// escapeData follows the runner's rules for a command's message: without
// them a newline would end the command and the rest would be lost.
var dataEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")

// escapeProperty adds ':' and ',' because they delimit the properties.
var propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")

func escapeData(s string) string     { return dataEscaper.Replace(s) }
func escapeProperty(s string) string { return propertyEscaper.Replace(s) }
