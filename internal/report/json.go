package report

import (
	"bytes"
	"encoding/json"

	"github.com/palisade-dev/palisade/internal/finding"
)

// schemaVersion is the version of the JSON report contract in SPEC.md; bump
// it only for changes that break consumers.
const schemaVersion = "1"

type jsonReport struct {
	SchemaVersion string            `json:"schemaVersion"`
	Tool          jsonTool          `json:"tool"`
	Findings      []finding.Finding `json:"findings"`
	Errors        []finding.Error   `json:"errors"`
	Summary       finding.Summary   `json:"summary"`
}

type jsonTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

func writeJSON(b *bytes.Buffer, o Options, r *finding.Report) error {
	doc := jsonReport{
		SchemaVersion: schemaVersion,
		Tool:          jsonTool{Name: "palisade", Version: o.ToolVersion},
		// Consumers index these without nil checks: never emit null.
		Findings: nonNil(r.Findings),
		Errors:   nonNil(r.Errors),
		Summary:  r.Summary(),
	}
	return encodeJSON(b, doc)
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
