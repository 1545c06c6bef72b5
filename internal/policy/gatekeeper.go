package policy

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/manifest"
)

// Gatekeeper's API groups and its one validation target.
const (
	templatesGroup   = "templates.gatekeeper.sh/"
	constraintsGroup = "constraints.gatekeeper.sh/"
	admissionTarget  = "admission.k8s.gatekeeper.sh"
	celEngine        = "K8sNativeValidation"
	regoEngine       = "Rego"
)

// IsTemplate reports whether o is a Gatekeeper ConstraintTemplate.
func IsTemplate(o *manifest.Object) bool {
	return o.Kind == "ConstraintTemplate" && strings.HasPrefix(o.APIVersion, templatesGroup)
}

// IsConstraint reports whether o is a Gatekeeper constraint.
func IsConstraint(o *manifest.Object) bool { return strings.HasPrefix(o.APIVersion, constraintsGroup) }

// template is one ConstraintTemplate, its Rego moved to a package of its
// own (data.gatekeeper.templates["<Kind>"], libs under
// data.gatekeeper.libs["<Kind>"].lib) as Gatekeeper isolates templates, so
// two templates may use the same package names.
type template struct {
	name, kind  string
	src         manifest.Source
	modules     map[string]*ast.Module
	violation   string // the key of the main module in modules
	schema      map[string]any
	title, desc string // from metadata.annotations, as gatekeeper-library writes them
	meta        meta
	query       rego.PreparedEvalQuery
}

func (t *template) pkg() ast.Ref {
	return ast.Ref{ast.DefaultRootDocument, ast.StringTerm("gatekeeper"), ast.StringTerm("templates"), ast.StringTerm(t.kind)}
}

func (t *template) libRoot() ast.Ref {
	return ast.Ref{ast.DefaultRootDocument, ast.StringTerm("gatekeeper"), ast.StringTerm("libs"), ast.StringTerm(t.kind)}
}

// errAt is an error at the line of path in o.
func errAt(o *manifest.Object, path, format string, args ...any) finding.Error {
	return finding.Error{File: o.Source.File, Line: o.Line(path), Message: fmt.Sprintf(format, args...)}
}

// parseTemplate reads a ConstraintTemplate. A template that only has
// Gatekeeper's CEL engine comes back with unsupported set and no error.
func parseTemplate(o *manifest.Object) (t *template, unsupported *finding.Error, errs []finding.Error) {
	kind, _ := dig(o.Content, "spec", "crd", "spec", "names", "kind").(string)
	switch {
	case kind == "":
		return nil, nil, []finding.Error{errAt(o, "spec.crd.spec.names", "ConstraintTemplate %q: spec.crd.spec.names.kind is missing", o.Name)}
	case o.Name != strings.ToLower(kind):
		return nil, nil, []finding.Error{errAt(o, "metadata.name", "ConstraintTemplate %q: its name must be the lower-case of its kind %q (want %q)", o.Name, kind, strings.ToLower(kind))}
	}
	targets, _ := dig(o.Content, "spec", "targets").([]any)
	if len(targets) != 1 {
		return nil, nil, []finding.Error{errAt(o, "spec.targets", "ConstraintTemplate %q: want exactly one target, got %d", o.Name, len(targets))}
	}
	target, _ := targets[0].(map[string]any)
	if name, _ := target["target"].(string); name != admissionTarget {
		return nil, nil, []finding.Error{errAt(o, "spec.targets[0].target", "ConstraintTemplate %q: unknown target %q (want %s)", o.Name, name, admissionTarget)}
	}
	t = &template{name: o.Name, kind: kind, src: o.Source, modules: map[string]*ast.Module{}}
	t.title = o.Annotations["metadata.gatekeeper.sh/title"]
	t.desc = o.Annotations["description"]
	t.schema, _ = dig(o.Content, "spec", "crd", "spec", "validation", "openAPIV3Schema").(map[string]any)

	// The Rego: a code entry with engine Rego (whose source.version may
	// say v1) wins over the legacy rego field; both are v0 by default, as
	// in Gatekeeper.
	regoPath, libsPath, version := "spec.targets[0].rego", "spec.targets[0].libs", RegoV0
	src, hasRego := target["rego"].(string)
	libs, _ := target["libs"].([]any)
	hasCEL := false
	code, _ := target["code"].([]any)
	for i, c := range code {
		entry, _ := c.(map[string]any)
		source, _ := entry["source"].(map[string]any)
		switch engine, _ := entry["engine"].(string); engine {
		case celEngine:
			hasCEL = true
		case regoEngine:
			at := "spec.targets[0].code[" + strconv.Itoa(i) + "].source"
			src, hasRego = source["rego"].(string)
			libs, _ = source["libs"].([]any)
			regoPath, libsPath = at+".rego", at+".libs"
			switch v, _ := source["version"].(string); v {
			case RegoV1:
				version = RegoV1
			case "", RegoV0:
				version = RegoV0
			default:
				return nil, nil, []finding.Error{errAt(o, at+".version", "ConstraintTemplate %q: unknown Rego version %q (want v0 or v1)", o.Name, v)}
			}
		}
	}
	if !hasRego || strings.TrimSpace(src) == "" {
		if hasCEL {
			return nil, &finding.Error{File: o.Source.File, Line: o.Source.Line, Message: fmt.Sprintf(
				"ConstraintTemplate %q (kind %s) is unsupported: it only has Gatekeeper's CEL engine (%s), which palisade does not run; add a Rego engine to evaluate it",
				o.Name, kind, celEngine)}, nil
		}
		return nil, nil, []finding.Error{errAt(o, "spec.targets[0]", "ConstraintTemplate %q has no Rego (spec.targets[0].rego, or a code entry with engine Rego)", o.Name)}
	}

	parse := func(path, text string) *ast.Module {
		line := o.Line(path)
		if !strings.Contains(text, "\n") {
			line-- // a one-line string sits on its key's line
		}
		m, err := parseRego(o.Source.File, text, version, line)
		if err != nil {
			errs = append(errs, regoErrors(err)...)
		}
		return m
	}
	main := parse(regoPath, src)
	var libMods []*ast.Module
	for i, l := range libs {
		text, _ := l.(string)
		if m := parse(libsPath+"["+strconv.Itoa(i)+"]", text); m != nil {
			libMods = append(libMods, m)
		}
	}
	if main == nil || len(errs) > 0 {
		return nil, nil, errs
	}
	errs = append(errs, t.isolate(o, main, libMods)...)
	if len(errs) > 0 {
		return nil, nil, errs
	}
	return t, nil, nil
}

// isolate checks the template's Rego as Gatekeeper does (a violation
// rule; libs in package lib.*; data read only under data.inventory and
// data.lib) and moves it to the template's own packages.
func (t *template) isolate(o *manifest.Object, main *ast.Module, libs []*ast.Module) []finding.Error {
	var errs []finding.Error
	at := func(loc *ast.Location, format string, args ...any) {
		e := finding.Error{File: o.Source.File, Line: o.Source.Line, Message: fmt.Sprintf("ConstraintTemplate %q: ", t.name) + fmt.Sprintf(format, args...)}
		if loc != nil {
			e.Line = loc.Row
		}
		errs = append(errs, e)
	}
	hasViolation := false
	for _, r := range main.Rules {
		hasViolation = hasViolation || ruleName(r) == "violation"
	}
	if !hasViolation {
		at(main.Package.Location, "its Rego has no violation rule")
	}
	libPrefix := ast.Ref{ast.DefaultRootDocument, ast.StringTerm("lib")}
	for _, l := range libs {
		if !l.Package.Path.HasPrefix(libPrefix) || len(l.Package.Path) < 3 {
			at(l.Package.Location, "lib package %s must be under lib (package lib.<name>)", l.Package.Path)
		}
	}
	for _, m := range append([]*ast.Module{main}, libs...) {
		ast.WalkRefs(m, func(r ast.Ref) bool {
			if !r.HasPrefix(ast.DefaultRootRef) || r.Equal(m.Package.Path) {
				return false
			}
			if len(r) >= 2 {
				if s, ok := r[1].Value.(ast.String); ok && (s == "inventory" || s == "lib") {
					return false
				}
			}
			at(r[0].Location, "it may only read data.inventory and data.lib, not %s", r)
			return false
		})
	}
	if len(errs) > 0 {
		return errs
	}
	rewrite := func(m *ast.Module) {
		// Modules are transformed in place.
		_, _ = ast.TransformRefs(m, func(r ast.Ref) (ast.Value, error) {
			if r.HasPrefix(libPrefix) {
				return t.libRoot().Concat(r[1:]), nil
			}
			return r, nil
		})
	}
	for i, l := range libs {
		rewrite(l)
		t.modules[fmt.Sprintf("%s#%s/lib%d", o.Source.File, t.kind, i)] = l
	}
	rewrite(main)
	main.Package.Path = t.pkg()
	t.violation = fmt.Sprintf("%s#%s", o.Source.File, t.kind)
	t.modules[t.violation] = main
	return nil
}

// constraint is one Gatekeeper constraint: a template instance with its
// match, parameters and enforcement action.
type constraint struct {
	kind, name string
	src        manifest.Source
	tpl        *template
	match      match
	params     ast.Value
	action     string
	rule       finding.Rule
}

// Enforcement actions of a constraint.
const (
	ActionDeny   = "deny"
	ActionWarn   = "warn"
	ActionDryRun = "dryrun"
)

var actionRank = map[string]int{ActionDryRun: 1, ActionWarn: 2, ActionDeny: 3}

// parseConstraint reads a constraint of a loaded template; schema reports
// that its parameters do not fit the template's schema.
func parseConstraint(o *manifest.Object, t *template) (c *constraint, errs []finding.Error, schema bool) {
	c = &constraint{kind: o.Kind, name: o.Name, src: o.Source, tpl: t, action: ActionDeny}
	if o.Name == "" {
		errs = append(errs, errAt(o, "metadata", "%s constraint has no metadata.name", o.Kind))
	}
	spec, _ := o.Content["spec"].(map[string]any)
	if a, ok := spec["enforcementAction"].(string); ok && a != "" {
		c.action = a
	}
	if c.action == "scoped" {
		// The strictest action any enforcement point asks for.
		c.action = ""
		scoped, _ := spec["scopedEnforcementActions"].([]any)
		for _, s := range scoped {
			a, _ := dig(s, "action").(string)
			if actionRank[a] > actionRank[c.action] {
				c.action = a
			}
		}
	}
	if actionRank[c.action] == 0 {
		errs = append(errs, errAt(o, "spec.enforcementAction", "%s %q: enforcementAction %q is not deny, dryrun, warn or scoped", o.Kind, o.Name, c.action))
	}
	m, err := parseMatch(spec["match"])
	if err != nil {
		errs = append(errs, errAt(o, "spec.match", "%s %q: spec.match: %v", o.Kind, o.Name, err))
	}
	c.match = m
	params, ok := spec["parameters"]
	if !ok || params == nil {
		params = map[string]any{} // as Gatekeeper defaults it
	}
	if serr := validateSchema(t.schema, params, "spec.parameters"); serr != nil {
		schema = true
		errs = append(errs, finding.Error{File: o.Source.File, Line: o.Line(serr.path), Message: fmt.Sprintf("%s %q: %v", o.Kind, o.Name, serr)})
	}
	if c.params, err = ast.InterfaceToValue(params); err != nil {
		errs = append(errs, errAt(o, "spec.parameters", "%s %q: spec.parameters: %v", o.Kind, o.Name, err))
	}
	return c, errs, schema
}

// ruleFor is the catalogue entry of a constraint: the template's METADATA
// (on its violation rule) or annotations, the constraint's name in the ID,
// and a severity from the enforcement action: deny keeps the template's
// severity (high by default), warn is low, dryrun is none (reported, never
// failing a run).
func (c *constraint) ruleFor() finding.Rule {
	t := c.tpl
	prefix := t.meta.id
	if prefix == "" {
		prefix = "policy/" + t.name
	}
	m := t.meta
	if m.title == "" {
		m.title = t.title
	}
	if m.description == "" {
		m.description = t.desc
	}
	r := m.rule(prefix+"."+c.name, finding.SeverityHigh, t.kind)
	switch c.action {
	case ActionWarn:
		r.Severity = finding.SeverityLow
	case ActionDryRun:
		r.Severity = finding.SeverityNone
	}
	return r
}

// dig walks nested maps.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
