package policy

import (
	"fmt"
	"maps"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/palisade-dev/palisade/internal/finding"
)

// meta is what a rule's METADATA says about it, closest scope first:
// title, description, related_resources, and the custom keys id,
// severity and remediation.
type meta struct {
	id, title, description, remediation, helpURI string
	severity                                     finding.Severity // SeverityNone: not set
}

// metaOf merges the annotation chain of r (rule, document, package,
// subpackages): the closest scope that sets a field wins.
func metaOf(as *ast.AnnotationSet, r *ast.Rule) (meta, []finding.Error) {
	var (
		m    meta
		errs []finding.Error
	)
	first := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	for _, ref := range as.Chain(r) {
		a := ref.Annotations
		if a == nil {
			continue
		}
		first(&m.title, a.Title)
		first(&m.description, a.Description)
		if len(a.RelatedResources) > 0 {
			first(&m.helpURI, a.RelatedResources[0].Ref.String())
		}
		bad := func(key, want string) {
			e := finding.Error{Message: fmt.Sprintf("METADATA custom.%s must be %s", key, want)}
			if a.Location != nil {
				e.File, e.Line = a.Location.File, a.Location.Row
			}
			errs = append(errs, e)
		}
		for _, key := range slices.Sorted(maps.Keys(a.Custom)) {
			v := a.Custom[key]
			s, isString := v.(string)
			switch key {
			case "id", "remediation":
				if !isString || s == "" {
					bad(key, "a non-empty string")
					continue
				}
				if key == "id" {
					first(&m.id, s)
				} else {
					first(&m.remediation, s)
				}
			case "severity":
				sev, err := finding.ParseSeverity(s)
				if !isString || err != nil || sev == finding.SeverityNone {
					bad(key, "one of low, medium, high, critical")
					continue
				}
				if m.severity == finding.SeverityNone {
					m.severity = sev
				}
			}
		}
	}
	return m, errs
}

// rule builds the catalogue entry of a policy rule.
func (m meta) rule(id string, def finding.Severity, fallbackTitle string) finding.Rule {
	r := finding.Rule{
		ID:          id,
		Standard:    finding.StandardPolicy,
		Severity:    m.severity,
		Title:       m.title,
		Rationale:   m.description,
		Remediation: m.remediation,
		HelpURI:     m.helpURI,
	}
	if r.Severity == finding.SeverityNone {
		r.Severity = def
	}
	if r.Title == "" {
		r.Title = fallbackTitle
	}
	return r
}
