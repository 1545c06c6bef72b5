package report

import (
	"bytes"
	"encoding/json"

	"github.com/palisade-dev/palisade/internal/finding"
)

// schemaVersion is the version of the JSON report contract in SPEC.md; bump
// it only for changes that break consumers.
const schemaVersion = "1"

type jsonTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// jsonWriter streams the JSON report:
//
//	{"schemaVersion", "tool", "findings": [...], "errors": [...], "summary"}
//
// in that key order, laid out exactly as encodeJSON would lay out the whole
// document. Findings are written as they arrive; input errors are few and
// come after the findings in the document, so they are kept until End.
type jsonWriter struct {
	version string
	n       int // findings written so far
	errors  []finding.Error
	enc     jsonIndenter
	scratch []byte
}

func (j *jsonWriter) begin(o *out, _ []finding.Rule) {
	o.str("{\n  \"schemaVersion\": ")
	j.enc.write(o, "  ", schemaVersion)
	o.str(",\n  \"tool\": ")
	j.enc.write(o, "  ", jsonTool{Name: "palisade", Version: j.version})
	o.str(",\n  \"findings\": [")
}

func (j *jsonWriter) file(o *out, _ string, fs []finding.Finding, es []finding.Error) {
	for _, f := range fs {
		if j.n == 0 {
			o.str("\n    ")
		} else {
			o.str(",\n    ")
		}
		if f.AuditInfo == nil {
			j.scratch = appendFinding(j.scratch[:0], "    ", &f)
			_, _ = o.Write(j.scratch)
		} else {
			j.enc.write(o, "    ", f)
		}
		j.n++
	}
	j.errors = append(j.errors, es...)
}

func (j *jsonWriter) end(o *out, t *tally) {
	// Consumers index the arrays without nil checks: never emit null.
	if j.n == 0 {
		o.str("]")
	} else {
		o.str("\n  ]")
	}
	o.str(",\n  \"errors\": ")
	j.enc.write(o, "  ", nonNil(j.errors))
	o.str(",\n  \"summary\": ")
	j.enc.write(o, "  ", t.summary())
	o.str("\n}\n")
}

// jsonIndenter encodes one value of a larger document at a time, with
// prefix being the indentation of the line the value starts on, so that
// the pieces read exactly like encodeJSON's output for the whole document.
// The first line carries no prefix (the caller has written it), and the
// encoder's trailing newline is dropped.
type jsonIndenter struct {
	buf bytes.Buffer
	enc *json.Encoder
}

func (j *jsonIndenter) write(o *out, prefix string, v any) {
	if j.enc == nil {
		j.enc = json.NewEncoder(&j.buf)
		j.enc.SetEscapeHTML(false)
	}
	j.buf.Reset()
	j.enc.SetIndent(prefix, "  ")
	if err := j.enc.Encode(v); err != nil {
		o.fail(err)
		return
	}
	_, _ = o.Write(bytes.TrimSuffix(j.buf.Bytes(), []byte("\n")))
}

// encodeJSON indents by two spaces, ends with a newline, and leaves <, > and
// & alone: the output is read by people and tools, never embedded in HTML.
func encodeJSON(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
