package engine

import (
	"fmt"

	"github.com/palisade-dev/palisade/internal/checks"
	"github.com/palisade-dev/palisade/internal/exception"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/workload"
)

// EvaluateExtras is EvaluateObject for the admission webhook: the findings
// of every enabled check and custom policy except the Pod Security checks,
// with the same filters, severity overrides and exceptions. The webhook has
// upstream's admission package judge Pod Security itself (with its modes,
// exemptions and messages), so the pss checks are not run a second time;
// and it already holds the pod decoded typed from the AdmissionReview, so
// w (nil for objects that run no pods) is used instead of converting
// o.Content again, which is most of the cost of a request. The webhook's
// tests hold its findings equal to EvaluateObject's minus pss.
func (e *Engine) EvaluateExtras(o *manifest.Object, w *workload.Workload, inv *inventory.Inventory) ([]finding.Finding, *finding.Error) {
	var fs []finding.Finding
	obj := &checks.Object{Object: o, Workload: w}
	ctx := &checks.Context{Inventory: inv, Params: &e.opts.Params}
	res := finding.Resource{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
	for i := range e.checks {
		c := &e.checks[i]
		if !c.Applies(obj) {
			continue
		}
		for _, v := range c.Run(ctx, obj) {
			fs = append(fs, finding.Finding{
				Check: c.ID, Standard: finding.StandardBestPractice, Severity: c.Severity,
				File: o.Source.File, Line: o.Line(v.Path), Resource: res, Path: v.Path,
				Message: v.Message, Remediation: c.Remediation,
			})
		}
	}
	pfs, ferr := e.policyFindings(o, inv)
	fs = append(fs, pfs...)
	out := fs[:0]
	for _, f := range fs {
		if !e.enabled(f.Check) {
			continue
		}
		if s, ok := e.opts.Severity[f.Check]; ok {
			f.Severity = s
		}
		out = append(out, f)
	}
	annotated, err := exception.FromAnnotations(o.Annotations)
	if err != nil {
		ferr = &finding.Error{File: o.Source.File, Line: o.Source.Line, Message: fmt.Sprintf("%s %s: %v", o.Kind, o.Name, err)}
	}
	return e.applyExceptions(out, annotated, o), ferr
}

// PolicyAction is the enforcement action (deny, warn, dryrun) a custom
// policy declares for one of its rule IDs (a Gatekeeper constraint's
// spec.enforcementAction; deny for Conftest deny/violation rules, warn for
// warn rules), or "" for IDs that are not custom policies. The webhook
// uses it when its own configuration names no action for the rule.
func (e *Engine) PolicyAction(ruleID string) string { return e.opts.Policies.Action(ruleID) }
