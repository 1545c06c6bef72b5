package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

// SARIF 2.1.0 with our own minimal structs rather than go-sarif: we need only
// a small subset, and owning the structs keeps field order, omitted fields
// and empty arrays exactly as the goldens show, with no dependency.
const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	toolInfoURI  = "https://github.com/palisade-dev/palisade"
)

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	ShortDescription     *sarifText         `json:"shortDescription,omitempty"`
	FullDescription      *sarifText         `json:"fullDescription,omitempty"`
	HelpURI              string             `json:"helpUri,omitempty"`
	Help                 *sarifText         `json:"help,omitempty"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags []string `json:"tags"`
	// GitHub code scanning ranks security alerts by this score (0.1–10).
	SecuritySeverity string `json:"security-severity,omitempty"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifResult struct {
	RuleID string `json:"ruleId"`
	// RuleIndex is nil for a check that is not among the stream's rules.
	RuleIndex           *int               `json:"ruleIndex,omitempty"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints,omitempty"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	Name               string            `json:"name,omitempty"`
	FullyQualifiedName string            `json:"fullyQualifiedName"`
	Properties         map[string]string `json:"properties,omitempty"`
}

type sarifSuppression struct {
	Kind string `json:"kind"`
}

// sarifWriter streams a SARIF log with one run, laid out as encodeJSON
// would lay out the whole document:
//
//	{"$schema", "version", "runs": [{"tool", "results": [...], "invocations"}]}
//
// The run's tool, with every rule given to Begin, is written at Begin and
// results as their files arrive. The invocation comes after the results
// because its notifications describe input errors, which arrive with the
// files; they are few, so they are kept until End.
type sarifWriter struct {
	version string
	index   map[string]int // rule ID to ruleIndex
	n       int            // results written so far
	errors  []finding.Error
	enc     jsonIndenter
}

func (s *sarifWriter) begin(o *out, rules []finding.Rule) {
	list := sortRules(rules)
	sr := make([]sarifRule, len(list))
	s.index = make(map[string]int, len(list))
	for i, rule := range list {
		sr[i] = sarifRuleFor(rule)
		s.index[rule.ID] = i
	}
	tool := sarifTool{Driver: sarifDriver{
		Name:           "palisade",
		Version:        s.version,
		InformationURI: toolInfoURI,
		Rules:          sr,
	}}
	o.str("{\n  \"$schema\": ")
	s.enc.write(o, "  ", sarifSchema)
	o.str(",\n  \"version\": ")
	s.enc.write(o, "  ", sarifVersion)
	o.str(",\n  \"runs\": [\n    {\n      \"tool\": ")
	s.enc.write(o, "      ", tool)
	o.str(",\n      \"results\": [")
}

func (s *sarifWriter) file(o *out, _ string, fs []finding.Finding, es []finding.Error) {
	for _, f := range fs {
		if s.n == 0 {
			o.str("\n        ")
		} else {
			o.str(",\n        ")
		}
		s.enc.write(o, "        ", sarifResultFor(f, s.index))
		s.n++
	}
	s.errors = append(s.errors, es...)
}

func (s *sarifWriter) end(o *out, _ *tally) {
	if s.n == 0 {
		o.str("]")
	} else {
		o.str("\n      ]")
	}
	// Unreadable inputs are reported, and every other input was still
	// scanned, so the run itself succeeded.
	inv := sarifInvocation{ExecutionSuccessful: true}
	for _, e := range s.errors {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level:     "error",
			Message:   sarifText{Text: e.Message},
			Locations: []sarifLocation{{PhysicalLocation: physical(e.File, e.Line)}},
		})
	}
	o.str(",\n      \"invocations\": ")
	s.enc.write(o, "      ", []sarifInvocation{inv})
	o.str("\n    }\n  ]\n}\n")
}

// sarifResultFor describes one finding. A check missing from index (no rule
// metadata was given to Begin) keeps its ruleId and goes without ruleIndex:
// the rules array is written before any result, so no rule can be added
// for it, and SARIF allows a ruleId that no rule describes.
func sarifResultFor(f finding.Finding, index map[string]int) sarifResult {
	logical := sarifLogical{
		Name:               f.Resource.Name,
		FullyQualifiedName: qualifiedName(f.Resource),
	}
	if f.Path != "" {
		logical.Properties = map[string]string{"path": f.Path}
	}
	res := sarifResult{
		RuleID:  f.Check,
		Level:   sarifLevel(f.Severity),
		Message: sarifText{Text: f.Message},
		Locations: []sarifLocation{{
			PhysicalLocation: physical(f.File, f.Line),
			LogicalLocations: []sarifLogical{logical},
		}},
		// Line numbers move as files are edited; this identity does not, so
		// code scanning keeps one alert per problem across commits.
		PartialFingerprints: map[string]string{"palisade/v1": fingerprint(f)},
	}
	if i, ok := index[f.Check]; ok {
		res.RuleIndex = &i
	}
	if f.Suppressed {
		res.Suppressions = []sarifSuppression{{Kind: "external"}}
	}
	return res
}

// sortRules returns the rules sorted by ID, keeping the first of any
// duplicate IDs, so the rules array and every ruleIndex do not depend on the
// order the rules came in.
func sortRules(rules []finding.Rule) []finding.Rule {
	list := slices.Clone(rules)
	slices.SortStableFunc(list, func(a, b finding.Rule) int { return cmp.Compare(a.ID, b.ID) })
	return slices.CompactFunc(list, func(a, b finding.Rule) bool { return a.ID == b.ID })
}

func sarifRuleFor(r finding.Rule) sarifRule {
	sr := sarifRule{
		ID:                   r.ID,
		HelpURI:              r.HelpURI,
		DefaultConfiguration: sarifConfiguration{Level: sarifLevel(r.Severity)},
		Properties: sarifRuleProps{
			Tags:             []string{string(r.Standard)},
			SecuritySeverity: securitySeverity(r.Severity),
		},
	}
	if r.Level != "" {
		sr.Properties.Tags = append(sr.Properties.Tags, r.Level)
	}
	if r.Title != "" {
		sr.ShortDescription = &sarifText{Text: r.Title}
	}
	if r.Rationale != "" {
		sr.FullDescription = &sarifText{Text: r.Rationale}
	}
	if r.Rationale != "" || r.Remediation != "" {
		sr.Help = &sarifText{Text: helpText(r), Markdown: helpMarkdown(r)}
	}
	return sr
}

func helpText(r finding.Rule) string {
	parts := []string{}
	if r.Rationale != "" {
		parts = append(parts, r.Rationale)
	}
	if r.Remediation != "" {
		parts = append(parts, "Remediation:\n"+strings.TrimRight(r.Remediation, "\n"))
	}
	return strings.Join(parts, "\n\n")
}

func helpMarkdown(r finding.Rule) string {
	parts := []string{}
	if r.Rationale != "" {
		parts = append(parts, r.Rationale)
	}
	if r.Remediation != "" {
		parts = append(parts, "**Remediation**\n\n"+codeBlock("yaml", r.Remediation))
	}
	return strings.Join(parts, "\n\n")
}

func sarifLevel(s finding.Severity) string {
	switch {
	case s >= finding.SeverityHigh:
		return "error"
	case s == finding.SeverityMedium:
		return "warning"
	case s == finding.SeverityLow:
		return "note"
	}
	return "none"
}

// securitySeverity picks a score inside each band GitHub maps back to
// critical/high/medium/low.
func securitySeverity(s finding.Severity) string {
	switch s {
	case finding.SeverityCritical:
		return "9.5"
	case finding.SeverityHigh:
		return "8.0"
	case finding.SeverityMedium:
		return "5.5"
	case finding.SeverityLow:
		return "2.0"
	}
	return ""
}

// physical locates a file and line; line 0 means "somewhere in the file",
// which SARIF expresses by leaving the region out.
func physical(file string, line int) *sarifPhysical {
	p := &sarifPhysical{ArtifactLocation: sarifArtifact{URI: fileURI(file)}}
	if line > 0 {
		p.Region = &sarifRegion{StartLine: line}
	}
	return p
}

// fileURI turns a path as given on the command line into a relative URI
// reference: forward slashes, and characters such as spaces percent-encoded.
func fileURI(file string) string {
	return (&url.URL{Path: filepath.ToSlash(file)}).String()
}

// qualifiedName is "<namespace>/<kind>/<name>", or "<kind>/<name>" for
// cluster-scoped objects.
func qualifiedName(r finding.Resource) string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Namespace + "/" + r.Kind + "/" + r.Name
}

func fingerprint(f finding.Finding) string {
	h := sha256.New()
	for _, s := range []string{f.Check, f.File, f.Resource.Kind, f.Resource.Namespace, f.Resource.Name, f.Path, f.Message} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
