// Package finding is the vocabulary shared by every evaluator and every
// reporter: rules (check metadata), findings, errors and the report.
package finding

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Severity orders findings for --fail-on and for people.
type Severity int

const (
	SeverityNone Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"none", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity accepts the lower-case names used on the command line and in
// the configuration file.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return SeverityNone, fmt.Errorf("unknown severity %q (want none, low, medium, high or critical)", s)
}

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Standard names the family a rule belongs to.
type Standard string

const (
	StandardPodSecurity  Standard = "pod-security"
	StandardBestPractice Standard = "best-practice"
	StandardPolicy       Standard = "policy"
	StandardAudit        Standard = "audit"
)

// Rule is the metadata of one check: the source of `palisade checks`,
// docs/checks.md and SARIF rules.
type Rule struct {
	ID          string   `json:"id"`
	Standard    Standard `json:"standard"`
	Severity    Severity `json:"severity"`
	Level       string   `json:"level,omitempty"`
	Title       string   `json:"title"`
	Rationale   string   `json:"rationale"`
	Remediation string   `json:"remediation"`
	HelpURI     string   `json:"helpURI,omitempty"`
}

// Resource identifies the object a finding is about.
type Resource struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

func (r Resource) String() string {
	s := r.Kind + "/" + r.Name
	if r.Namespace != "" {
		s = r.Namespace + "/" + s
	}
	return s
}

// Finding is one failed check on one object, at one place.
type Finding struct {
	Check       string   `json:"check"`
	Standard    Standard `json:"standard"`
	Level       string   `json:"level,omitempty"`
	Severity    Severity `json:"severity"`
	File        string   `json:"file"`
	Line        int      `json:"line"`
	Resource    Resource `json:"resource"`
	Path        string   `json:"path,omitempty"`
	Message     string   `json:"message"`
	Remediation string   `json:"remediation,omitempty"`
	Suppressed  bool     `json:"suppressed"`
	// AuditInfo is set on audit findings only; its fields are inlined in
	// JSON, as SPEC.md describes the audit report.
	*AuditInfo
}

// AuditInfo is the API request an audit finding comes from.
type AuditInfo struct {
	User       string    `json:"user"`
	Groups     []string  `json:"groups"`
	SourceIPs  []string  `json:"sourceIPs"`
	Verb       string    `json:"verb"`
	RequestURI string    `json:"requestURI"`
	AuditID    string    `json:"auditID"`
	Time       time.Time `json:"time"`
}

// Error is an input that could not be read or understood. It never stops
// the rest of the run.
type Error struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

func (e Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Message)
}

// Summary counts what a report holds.
type Summary struct {
	Resources  int            `json:"resources"`
	Findings   int            `json:"findings"`
	Suppressed int            `json:"suppressed"`
	BySeverity map[string]int `json:"bySeverity"`
}

// Report is everything a run produced, ready to render.
type Report struct {
	Findings  []Finding
	Errors    []Error
	Resources int
	// Rules holds the metadata of every rule that may appear in Findings,
	// so machine formats can describe them (SARIF rules).
	Rules []Rule
}

// Summary derives the counts; unsuppressed findings only count by severity.
func (r *Report) Summary() Summary {
	s := Summary{Resources: r.Resources, BySeverity: map[string]int{
		"critical": 0, "high": 0, "medium": 0, "low": 0,
	}}
	for _, f := range r.Findings {
		if f.Suppressed {
			s.Suppressed++
			continue
		}
		s.Findings++
		if f.Severity > SeverityNone {
			s.BySeverity[f.Severity.String()]++
		}
	}
	return s
}

// Compare orders findings by file, line, check, then the remaining fields,
// so output never depends on evaluation order.
func Compare(a, b Finding) int {
	// Early returns, not cmp.Or: every argument of cmp.Or is evaluated, and
	// this runs n log n times per file.
	if c := cmp.Compare(a.File, b.File); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Line, b.Line); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Check, b.Check); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Resource.Kind, b.Resource.Kind); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Resource.Namespace, b.Resource.Namespace); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Resource.Name, b.Resource.Name); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Path, b.Path); c != 0 {
		return c
	}
	return cmp.Compare(a.Message, b.Message)
}

// Sort puts findings and errors in their deterministic order.
func Sort(fs []Finding) { slices.SortFunc(fs, Compare) }

// SortErrors orders errors by file then line.
func SortErrors(es []Error) {
	slices.SortFunc(es, func(a, b Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Message, b.Message))
	})
}

// AtOrAbove reports whether any unsuppressed finding reaches threshold.
func (r *Report) AtOrAbove(threshold Severity) bool {
	if threshold == SeverityNone {
		return false
	}
	for _, f := range r.Findings {
		if !f.Suppressed && f.Severity >= threshold {
			return true
		}
	}
	return false
}
