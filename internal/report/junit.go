package report

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

// JUnit layout: testsuites > testsuite(name=file) > testcase(classname=file),
// which GitLab and Jenkins both render as one group per manifest file.
//
// Each testsuite is written, with its counts, as its file arrives. The root
// testsuites element carries only a name: aggregate counts would have to be
// known before the first suite is written, and the attributes are optional
// (GitLab and Jenkins add up the suites).

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	ClassName string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *junitSkipped `xml:"skipped"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	// CDATA keeps multi-line bodies readable in the raw file; character
	// data would turn every newline into &#xA;.
	Body string `xml:",cdata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

const junitRoot = `<testsuites name="palisade">`

type junitWriter struct {
	enc    *xml.Encoder
	suites int
}

func (j *junitWriter) begin(o *out, _ []finding.Rule) {
	o.str(xml.Header + junitRoot + "\n")
	// One encoder for the whole document: it starts every element after
	// the first on a new line, with the prefix putting suites one level
	// inside the root.
	j.enc = xml.NewEncoder(o)
	j.enc.Indent("  ", "  ")
}

func (j *junitWriter) file(o *out, name string, fs []finding.Finding, es []finding.Error) {
	if len(fs) == 0 && len(es) == 0 {
		return
	}
	s := junitSuite{Name: name, Cases: make([]junitCase, 0, len(es)+len(fs))}
	for _, e := range es {
		caseName := "input error"
		if e.Line > 0 {
			caseName = fmt.Sprintf("input error at line %d", e.Line)
		}
		s.Cases = append(s.Cases, junitCase{
			ClassName: name, Name: caseName, File: name, Line: e.Line,
			Error: &junitProblem{Message: e.Message, Type: "input", Body: xmlSafe(e.Error())},
		})
		s.Errors++
	}
	for _, f := range fs {
		s.Cases = append(s.Cases, junitFindingCase(f))
		if f.Suppressed {
			s.Skipped++
		} else {
			s.Failures++
		}
	}
	s.Tests = len(s.Cases)
	j.suite(o, s)
}

func (j *junitWriter) end(o *out, _ *tally) {
	if j.suites == 0 {
		// Jenkins fails a build whose report holds no test at all, so a clean
		// scan is one passing test rather than an empty document.
		j.suite(o, junitSuite{Name: "palisade", Tests: 1, Cases: []junitCase{{ClassName: "palisade", Name: "scan"}}})
	}
	o.str("\n</testsuites>\n")
}

var junitSuiteStart = xml.StartElement{Name: xml.Name{Local: "testsuite"}}

func (j *junitWriter) suite(o *out, s junitSuite) {
	if o.err != nil {
		return
	}
	if err := j.enc.EncodeElement(s, junitSuiteStart); err != nil {
		o.fail(err)
	}
	j.suites++
}

// junitFindingCase names the case "Kind/ns/name check" so that the same
// problem keeps the same test identity across runs (no line numbers in it),
// and puts the detail a reviewer needs into the failure body.
func junitFindingCase(f finding.Finding) junitCase {
	c := junitCase{
		ClassName: f.File,
		Name:      junitResource(f.Resource) + " " + f.Check,
		File:      f.File,
		Line:      f.Line,
	}
	if f.Suppressed {
		c.Skipped = &junitSkipped{Message: "suppressed by an exception: " + f.Message}
		return c
	}
	var body strings.Builder
	loc := f.File
	if f.Line > 0 {
		loc = fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	fmt.Fprintf(&body, "%s %s %s\n", loc, strings.ToUpper(f.Severity.String()), resourceLabel(f.Resource))
	if f.Path != "" {
		fmt.Fprintf(&body, "path: %s\n", f.Path)
	}
	body.WriteString(f.Message + "\n")
	if f.Remediation != "" {
		body.WriteString("\nremediation:\n" + strings.TrimRight(f.Remediation, "\n") + "\n")
	}
	c.Failure = &junitProblem{Message: f.Message, Type: f.Check, Body: xmlSafe(body.String())}
	return c
}

func junitResource(r finding.Resource) string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Kind + "/" + r.Namespace + "/" + r.Name
}

// xmlSafe replaces characters XML 1.0 cannot carry at all; the encoder does
// this for attributes but writes CDATA verbatim.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return '\uFFFD'
	}, s)
}
