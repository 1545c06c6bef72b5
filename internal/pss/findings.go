package pss

import (
	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/workload"
)

// Findings evaluates w at lv and turns each failed check into one finding
// per offending field, each with the line of that field.
func (e *Evaluator) Findings(w *workload.Workload, lv api.LevelVersion) []finding.Finding {
	results := e.Evaluate(lv, w.Meta, w.Spec)
	if len(results) == 0 {
		return nil
	}
	o := w.Object
	res := finding.Resource{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
	var out []finding.Finding
	for _, r := range results {
		t := texts[r.ID]
		base := finding.Finding{
			Check:       RuleID(r.ID),
			Standard:    finding.StandardPodSecurity,
			Level:       string(r.Level),
			Severity:    t.severity,
			File:        o.Source.File,
			Line:        o.Source.Line,
			Resource:    res,
			Message:     r.Message(),
			Remediation: t.remediation,
		}
		paths := Locate(w, r)
		if len(paths) == 0 {
			out = append(out, base)
			continue
		}
		for _, p := range paths {
			f := base
			f.Path = p
			f.Line = o.Line(p)
			out = append(out, f)
		}
	}
	return out
}
