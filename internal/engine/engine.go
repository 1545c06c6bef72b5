// Package engine is the one verdict function every stage calls: the scan,
// and later the webhook and the cluster scan, give it an object and what
// the run knows, and get sorted findings back.
package engine

import (
	"fmt"
	"path"

	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
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
}

// Engine is safe for concurrent use.
type Engine struct {
	pss  *pss.Evaluator
	opts Options
}

// New validates opts and builds an engine.
func New(opts Options) (*Engine, error) {
	for _, g := range append(append([]string{}, opts.Checks...), opts.SkipChecks...) {
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("bad check pattern %q: %v", g, err)
		}
	}
	known := map[string]bool{}
	for _, r := range pss.Rules() {
		known[r.ID] = true
	}
	for id := range opts.Severity {
		if !known[id] {
			return nil, fmt.Errorf("severity override for unknown check %q", id)
		}
	}
	ev, err := pss.NewEvaluator()
	if err != nil {
		return nil, err
	}
	return &Engine{pss: ev, opts: opts}, nil
}

// PSS exposes the Pod Security evaluator for stages that need upstream's
// interface (the webhook hands it to upstream's admission package).
func (e *Engine) PSS() *pss.Evaluator { return e.pss }

// Defaults is the policy for namespaces without Pod Security labels.
func (e *Engine) Defaults() api.Policy { return e.opts.Defaults }

// Rules lists the rules this engine can report, after --checks filtering.
func (e *Engine) Rules() []finding.Rule {
	var out []finding.Rule
	for _, r := range pss.Rules() {
		if e.enabled(r.ID) {
			if s, ok := e.opts.Severity[r.ID]; ok {
				r.Severity = s
			}
			out = append(out, r)
		}
	}
	return out
}

func (e *Engine) enabled(id string) bool {
	match := func(globs []string) bool {
		for _, g := range globs {
			if ok, _ := path.Match(g, id); ok {
				return true
			}
		}
		return false
	}
	if len(e.opts.Checks) > 0 && !match(e.opts.Checks) {
		return false
	}
	return !match(e.opts.SkipChecks)
}

// Policy is the level and version o is judged at.
func (e *Engine) Policy(o *manifest.Object, inv *inventory.Inventory) api.LevelVersion {
	lv, _ := inv.EnforcePolicy(o.Namespace, e.opts.Defaults)
	return lv
}

// EvaluateObject returns the findings for one object, unsorted. An error
// means the object could not be evaluated (its pod spec is malformed).
func (e *Engine) EvaluateObject(o *manifest.Object, inv *inventory.Inventory) ([]finding.Finding, *finding.Error) {
	w, ok, err := workload.Extract(o)
	if err != nil {
		return nil, &finding.Error{File: o.Source.File, Line: o.Source.Line,
			Message: fmt.Sprintf("%s %s: %v", o.Kind, o.Name, err)}
	}
	if !ok {
		return nil, nil
	}
	fs := e.pss.Findings(w, e.Policy(o, inv))
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
	return out, nil
}
