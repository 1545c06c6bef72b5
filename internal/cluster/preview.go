package cluster

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/pss"
	"github.com/palisade-dev/palisade/internal/workload"
)

// PreviewSchemaVersion is the version of the preview JSON of SPEC.md.
const PreviewSchemaVersion = "1"

// Exemptions are the exemptions of a PodSecurityConfiguration that apply
// to pods already running: usernames exempt requests, not pods, so they
// play no part here (the API server ignores them too when it checks the
// pods of a namespace whose enforce label changes).
type Exemptions struct {
	Namespaces     []string
	RuntimeClasses []string
}

// PreviewOptions say what level to preview and under which admission
// configuration.
type PreviewOptions struct {
	Target api.LevelVersion
	// Defaults are the admission defaults for unlabelled namespaces
	// (privileged:latest when no PodSecurityConfiguration is given); they
	// decide each namespace's current policy.
	Defaults   api.Policy
	Exemptions Exemptions
	// AllObjects lists every controller that would be warned, not only
	// the top owners.
	AllObjects bool
}

// Preview is the answer of `palisade cluster preview`.
type Preview struct {
	SchemaVersion string             `json:"schemaVersion"`
	Level         string             `json:"level"`
	Version       string             `json:"version"`
	Namespaces    []NamespacePreview `json:"namespaces"`
	Errors        []finding.Error    `json:"errors"`
}

// NamespacePreview is one namespace under the previewed level.
type NamespacePreview struct {
	Namespace string `json:"namespace"`
	// Current is the policy in force now: enforce, audit and warn as
	// "level:version", from the labels and the admission defaults.
	Current map[string]string `json:"current"`
	// WouldReject are the pods the level would reject if they were
	// created again (every replica, each with the owner that stands for it).
	WouldReject []Verdict `json:"wouldReject"`
	// WouldWarn are the controllers whose pod template fails the level:
	// creating or updating them would be warned (and audited).
	WouldWarn []Verdict `json:"wouldWarn"`
	// Exempt is true for a namespace the admission configuration exempts.
	Exempt bool `json:"exempt"`
	// ExemptPods are pods skipped for an exempt runtimeClassName.
	ExemptPods []string `json:"exemptPods,omitempty"`

	enforce api.LevelVersion // Current["enforce"], parsed
}

// Verdict is one object that fails the level.
type Verdict struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Owner is the controller that stands for a pod ("Deployment/web").
	Owner  string   `json:"owner,omitempty"`
	Checks []string `json:"checks"`
	// Reason is upstream's summary of the failed checks, the text the API
	// server prints after the pod's name.
	Reason string `json:"reason"`
	// Excepted is true when every finding is excepted (ExceptionList or
	// annotation): palisade's own webhook would let the object through,
	// but the built-in Pod Security Admission knows no exceptions.
	Excepted bool              `json:"excepted,omitempty"`
	Findings []finding.Finding `json:"findings"`
}

// Breaks reports whether the namespace would reject anything not excepted.
func (n *NamespacePreview) Breaks() bool {
	return slices.ContainsFunc(n.WouldReject, func(v Verdict) bool { return !v.Excepted })
}

// PreviewEngineOptions turns the options of a run into those of the
// preview's engine: every Pod Security check (disabling one in the config
// does not stop the API server from rejecting), at the target level for
// every namespace, with the run's exceptions and severities.
func PreviewEngineOptions(base engine.Options, target api.LevelVersion) engine.Options {
	base.Defaults = api.Policy{Enforce: target, Audit: target, Warn: target}
	base.Checks, base.SkipChecks = []string{"pss/*"}, nil
	return base
}

// RunPreview judges every pod of snap at opts.Target as the API server
// would when the namespace's enforce label is raised, and every
// controller as it would when one is created. eng must come from
// PreviewEngineOptions with the same target.
func RunPreview(eng *engine.Engine, snap *Snapshot, problems []Problem, opts PreviewOptions) (*Preview, error) {
	if eng.Defaults().Enforce != opts.Target {
		return nil, fmt.Errorf("preview engine enforces %s, not the previewed %s", eng.Defaults().Enforce, opts.Target)
	}
	p := &Preview{SchemaVersion: PreviewSchemaVersion, Level: string(opts.Target.Level),
		Version: opts.Target.Version.String(), Errors: []finding.Error{}}
	// No namespace is known to this inventory, so every object is judged
	// at the engine's defaults: the target.
	inv := inventory.New()
	byNS := map[string]*NamespacePreview{}
	labels := map[string]map[string]string{}
	for _, it := range snap.Items() {
		if o := it.Object; o.Kind == "Namespace" && o.APIVersion == "v1" {
			labels[o.Name] = o.Labels
		}
	}
	for _, ns := range snap.Namespaces() {
		pol, _ := api.PolicyToEvaluate(labels[ns], opts.Defaults)
		np := &NamespacePreview{Namespace: ns, WouldReject: []Verdict{}, WouldWarn: []Verdict{},
			Current: map[string]string{"enforce": pol.Enforce.String(), "audit": pol.Audit.String(), "warn": pol.Warn.String()},
			Exempt:  slices.Contains(opts.Exemptions.Namespaces, ns), enforce: pol.Enforce}
		byNS[ns] = np
		p.Namespaces = append(p.Namespaces, *np)
	}
	for _, it := range snap.Items() {
		o := it.Object
		np := byNS[o.Namespace]
		if np == nil || np.Exempt {
			continue
		}
		w, ok, err := workload.Extract(o)
		if !ok {
			continue
		}
		if err != nil {
			p.Errors = append(p.Errors, finding.Error{File: o.Source.File, Message: fmt.Sprintf("%s %s: %v", o.Kind, o.Name, err)})
			continue
		}
		isPod := o.Kind == "Pod"
		if !snap.InScope(it) || (!isPod && !opts.AllObjects && !snap.Reported(it)) {
			continue
		}
		if rc := w.Spec.RuntimeClassName; rc != nil && slices.Contains(opts.Exemptions.RuntimeClasses, *rc) {
			if isPod {
				np.ExemptPods = append(np.ExemptPods, o.Name)
			}
			continue
		}
		v, fails := judge(eng, inv, w)
		if !fails {
			continue
		}
		if isPod {
			if it.Controller != nil {
				v.Owner = snap.Owner(it)
			}
			np.WouldReject = append(np.WouldReject, v)
		} else {
			np.WouldWarn = append(np.WouldWarn, v)
		}
	}
	for i := range p.Namespaces {
		p.Namespaces[i] = *byNS[p.Namespaces[i].Namespace]
	}
	for _, pr := range problems {
		if !pr.NotServed {
			p.Errors = append(p.Errors, finding.Error{File: UnitName(snap.Context, ""), Message: pr.Error()})
		}
	}
	return p, nil
}

// judge asks upstream's evaluator (through the engine's) for the verdict
// and upstream's reason text, and the engine for the findings with their
// fields and exceptions.
func judge(eng *engine.Engine, inv *inventory.Inventory, w *workload.Workload) (Verdict, bool) {
	o := w.Object
	results := eng.PSS().Evaluate(eng.Defaults().Enforce, w.Meta, w.Spec)
	if len(results) == 0 {
		return Verdict{}, false
	}
	v := Verdict{Kind: o.Kind, Name: o.Name, Findings: []finding.Finding{}}
	reasons := make([]string, 0, len(results))
	for _, r := range results {
		reasons = append(reasons, r.Reason)
		v.Checks = append(v.Checks, pss.RuleID(r.ID))
	}
	v.Reason = strings.Join(reasons, ", ")
	slices.Sort(v.Checks)
	fs, _ := eng.EvaluateObject(o, inv)
	clearLines(fs, nil)
	suppressed := 0
	for _, f := range fs {
		if f.Standard != finding.StandardPodSecurity {
			continue
		}
		v.Findings = append(v.Findings, f)
		if f.Suppressed {
			suppressed++
		}
	}
	finding.Sort(v.Findings)
	v.Excepted = suppressed > 0 && suppressed == len(v.Findings)
	return v, true
}
