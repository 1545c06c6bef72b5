package report

import (
	"bytes"
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

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
}

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
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
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

func writeSARIF(b *bytes.Buffer, o Options, r *finding.Report) error {
	rules, index := sarifRules(r)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "palisade",
			Version:        o.ToolVersion,
			InformationURI: toolInfoURI,
			Rules:          rules,
		}},
		// Unreadable inputs are reported, and every other input was still
		// scanned, so the run itself succeeded.
		Invocations: []sarifInvocation{{ExecutionSuccessful: true}},
		Results:     []sarifResult{},
	}
	for _, e := range r.Errors {
		run.Invocations[0].ToolExecutionNotifications = append(run.Invocations[0].ToolExecutionNotifications,
			sarifNotification{
				Level:     "error",
				Message:   sarifText{Text: e.Message},
				Locations: []sarifLocation{{PhysicalLocation: physical(e.File, e.Line)}},
			})
	}
	for _, f := range r.Findings {
		run.Results = append(run.Results, sarifResultFor(f, index[f.Check]))
	}
	return encodeJSON(b, sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

func sarifResultFor(f finding.Finding, ruleIndex int) sarifResult {
	logical := sarifLogical{
		Name:               f.Resource.Name,
		FullyQualifiedName: qualifiedName(f.Resource),
	}
	if f.Path != "" {
		logical.Properties = map[string]string{"path": f.Path}
	}
	res := sarifResult{
		RuleID:    f.Check,
		RuleIndex: ruleIndex,
		Level:     sarifLevel(f.Severity),
		Message:   sarifText{Text: f.Message},
		Locations: []sarifLocation{{
			PhysicalLocation: physical(f.File, f.Line),
			LogicalLocations: []sarifLogical{logical},
		}},
		// Line numbers move as files are edited; this identity does not, so
		// code scanning keeps one alert per problem across commits.
		PartialFingerprints: map[string]string{"palisade/v1": fingerprint(f)},
	}
	if f.Suppressed {
		res.Suppressions = []sarifSuppression{{Kind: "external"}}
	}
	return res
}

// sarifRules describes every rule some finding references, sorted by ID, and
// maps each ID to its ruleIndex. A finding whose rule metadata is missing
// still gets a rule (built from the finding), because every result must point
// at one.
func sarifRules(r *finding.Report) ([]sarifRule, map[string]int) {
	known := map[string]finding.Rule{}
	for _, rule := range r.Rules {
		if _, dup := known[rule.ID]; !dup {
			known[rule.ID] = rule
		}
	}
	used := map[string]finding.Rule{}
	for _, f := range r.Findings {
		if _, ok := used[f.Check]; ok {
			continue
		}
		rule, ok := known[f.Check]
		if !ok {
			// Code scanning titles alerts with shortDescription; the ID is
			// the best title we have.
			rule = finding.Rule{ID: f.Check, Standard: f.Standard, Severity: f.Severity, Level: f.Level, Title: f.Check}
		}
		used[f.Check] = rule
	}
	list := make([]finding.Rule, 0, len(used))
	for _, rule := range used {
		list = append(list, rule)
	}
	slices.SortFunc(list, func(a, b finding.Rule) int { return cmp.Compare(a.ID, b.ID) })

	rules := make([]sarifRule, len(list))
	index := make(map[string]int, len(list))
	for i, rule := range list {
		rules[i] = sarifRuleFor(rule)
		index[rule.ID] = i
	}
	return rules, index
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
