// Package engine is the one verdict function every stage calls: the scan,
// and later the webhook and the cluster scan, give it an object and what
// the run knows, and get its findings back, exceptions applied.
package engine

import (
	"context"
	"fmt"
	"path"
	"time"

	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/checks"
	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/exception"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/policy"
	"github.com/palisade-dev/palisade/internal/pss"
	"github.com/palisade-dev/palisade/internal/workload"
)

// Options configure an engine.
type Options struct {
	// Defaults is the Pod Security policy for namespaces without labels.
	Defaults api.Policy
	// Checks, when not empty, keeps only checks matching one of these globs
	// (path.Match syntax, e.g. "pss/*"); SkipChecks drops matching checks.
	Checks, SkipChecks []string
	// Severity overrides the severity of a check by ID.
	Severity map[string]finding.Severity
	// Params are the typed parameters of the built-in checks.
	Params config.CheckParams
	// Exceptions are applied to every finding.
	Exceptions *exception.List
	// Policies are custom Rego policies (Conftest and Gatekeeper styles),
	// evaluated on every object; nil for none. (issue 6, see policy.go)
	Policies *policy.Set
	// Now is the clock for exception expiry; time.Now when nil.
	Now func() time.Time
}

// Engine is safe for concurrent use.
type Engine struct {
	pss    *pss.Evaluator
	checks []checks.Check
	rules  map[string]finding.Rule
	opts   Options
}

// New validates opts and builds an engine.
func New(opts Options) (*Engine, error) {
	for _, g := range append(append([]string{}, opts.Checks...), opts.SkipChecks...) {
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("bad check pattern %q: %v", g, err)
		}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ev, err := pss.NewEvaluator()
	if err != nil {
		return nil, err
	}
	e := &Engine{pss: ev, opts: opts, rules: map[string]finding.Rule{}}
	for _, r := range append(allRules(), opts.Policies.Rules()...) { // + custom policies (policy.go)
		e.rules[r.ID] = r
	}
	for id := range opts.Severity {
		if _, ok := e.rules[id]; !ok {
			return nil, fmt.Errorf("severity override for unknown check %q", id)
		}
	}
	for _, c := range checks.All() {
		if e.enabled(c.ID) {
			e.checks = append(e.checks, c)
		}
	}
	return e, nil
}

func allRules() []finding.Rule {
	rules := pss.Rules()
	for _, c := range checks.All() {
		rules = append(rules, c.Rule())
	}
	return append(rules, exception.Rule())
}

// PSS exposes the Pod Security evaluator for stages that need upstream's
// interface (the webhook hands it to upstream's admission package).
func (e *Engine) PSS() *pss.Evaluator { return e.pss }

// Defaults is the policy for namespaces without Pod Security labels.
func (e *Engine) Defaults() api.Policy { return e.opts.Defaults }

// Rules lists the rules this engine can report, after filtering and
// severity overrides, sorted by ID.
func (e *Engine) Rules() []finding.Rule {
	var out []finding.Rule
	for _, r := range append(allRules(), e.opts.Policies.Rules()...) { // + custom policies (policy.go)
		if !e.enabled(r.ID) {
			continue
		}
		if s, ok := e.opts.Severity[r.ID]; ok {
			r.Severity = s
		}
		out = append(out, r)
	}
	return out
}

func (e *Engine) enabled(id string) bool {
	if id == exception.CheckID {
		return true // an expired exception is always worth knowing
	}
	if len(e.opts.Checks) > 0 && !checks.Glob(e.opts.Checks, id) {
		return false
	}
	return !checks.Glob(e.opts.SkipChecks, id)
}

// Policy is the level and version o is judged at.
func (e *Engine) Policy(o *manifest.Object, inv *inventory.Inventory) api.LevelVersion {
	lv, _ := inv.EnforcePolicy(o.Namespace, e.opts.Defaults)
	return lv
}

// EvaluateObject returns the findings for one object, unsorted, with
// exceptions applied. An error means the object could not be fully
// evaluated (a malformed pod spec, a malformed exemption annotation);
// whatever could be evaluated is still returned.
func (e *Engine) EvaluateObject(o *manifest.Object, inv *inventory.Inventory) ([]finding.Finding, *finding.Error) {
	w, isWorkload, err := workload.Extract(o)
	if err != nil {
		return nil, objectError(o, err)
	}
	var fs []finding.Finding
	if isWorkload {
		fs = e.pss.Findings(w, e.Policy(o, inv))
	}
	return e.evaluate(context.Background(), fs, o, w, inv)
}

// evaluate adds the best-practice checks and custom policies to fs (the
// Pod Security findings, if any), then filters, overrides severities and
// applies exceptions. EvaluateObject and EvaluateExtras share it, so the
// scan and the webhook cannot drift apart.
func (e *Engine) evaluate(ctx context.Context, fs []finding.Finding, o *manifest.Object, w *workload.Workload, inv *inventory.Inventory) ([]finding.Finding, *finding.Error) {
	obj := &checks.Object{Object: o, Workload: w}
	cctx := &checks.Context{Inventory: inv, Params: &e.opts.Params}
	res := finding.Resource{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
	for i := range e.checks {
		c := &e.checks[i]
		if !c.Applies(obj) {
			continue
		}
		for _, v := range c.Run(cctx, obj) {
			fs = append(fs, finding.Finding{
				Check: c.ID, Standard: finding.StandardBestPractice, Severity: c.Severity,
				File: o.Source.File, Line: o.Line(v.Path), Resource: res, Path: v.Path,
				Message: v.Message, Remediation: c.Remediation,
			})
		}
	}
	// Custom Rego policies (policy.go), before filtering and exceptions.
	pfs, ferr := e.policyFindings(ctx, o, inv)
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
		ferr = objectError(o, err)
	}
	return e.applyExceptions(out, annotated, o), ferr
}

func objectError(o *manifest.Object, err error) *finding.Error {
	return &finding.Error{File: o.Source.File, Line: o.Source.Line, Message: fmt.Sprintf("%s %s: %v", o.Kind, o.Name, err)}
}

// applyExceptions marks excepted findings and reports each expired
// exception once per object it would have applied to.
func (e *Engine) applyExceptions(fs []finding.Finding, annotated *exception.Entry, o *manifest.Object) []finding.Finding {
	if annotated == nil && (e.opts.Exceptions == nil || len(e.opts.Exceptions.Exceptions) == 0) {
		return fs
	}
	now := e.opts.Now()
	reported := map[*exception.Entry]bool{}
	var extra []finding.Finding
	for i := range fs {
		f := &fs[i]
		if annotated != nil && annotated.Matches(f.Check, f.Resource, "") {
			f.Suppressed = true
			continue
		}
		hit, expired := e.opts.Exceptions.Match(f.Check, f.Resource, "", now)
		f.Suppressed = f.Suppressed || hit != nil
		for _, x := range expired {
			if reported[x] {
				continue
			}
			reported[x] = true
			r := exception.Rule()
			extra = append(extra, finding.Finding{
				Check: r.ID, Standard: r.Standard, Severity: r.Severity,
				File: o.Source.File, Line: o.Source.Line, Resource: f.Resource,
				Message:     fmt.Sprintf("exception at %s (%q) expired on %s; %s is reported again", x.Source, x.Reason, x.Expires, f.Check),
				Remediation: r.Remediation,
			})
		}
	}
	return append(fs, extra...)
}
