package report

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

// writeGitHub prints GitHub Actions workflow commands, which the runner turns
// into annotations on the pull request's files. Suppressed findings are left
// out: an annotation asks for action, and an excepted finding needs none.
func writeGitHub(b *bytes.Buffer, _ Options, r *finding.Report) error {
	for _, e := range r.Errors {
		writeCommand(b, "error", e.File, e.Line, "input error", e.Message)
	}
	for _, f := range r.Findings {
		if f.Suppressed {
			continue
		}
		msg := resourceLabel(f.Resource) + ": " + f.Message
		if f.Path != "" {
			msg = resourceLabel(f.Resource) + " " + f.Path + ": " + f.Message
		}
		writeCommand(b, githubLevel(f.Severity), f.File, f.Line, f.Check, msg)
	}
	// A plain line: the runner shows it in the log as is.
	b.WriteString(summaryLine(r) + "\n")
	return nil
}

func writeCommand(b *bytes.Buffer, command, file string, line int, title, message string) {
	b.WriteString("::" + command + " file=" + escapeProperty(file))
	if line > 0 {
		b.WriteString(",line=" + strconv.Itoa(line))
	}
	b.WriteString(",title=" + escapeProperty(title) + "::" + escapeData(message) + "\n")
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
