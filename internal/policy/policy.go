// Package policy runs custom Rego policies, Conftest and Gatekeeper styles
// alike, through one compiled set: Load compiles every module once and
// prepares one query per entry point (a Conftest rule, a ConstraintTemplate);
// Evaluate runs the prepared queries on each object, with no compilation
// per object. Policies never reach the network: http.send and
// net.lookup_ip_addr do not compile.
//
// Conftest style: input is the object; deny*, violation* (failures) and
// warn* (warnings) rules of the selected packages (main by default) yield
// strings or objects with msg; exception rules except rules by name.
// Gatekeeper style: ConstraintTemplates (templates.gatekeeper.sh/v1) and
// their constraints; input is {review, parameters} as Gatekeeper builds it,
// and data.inventory holds the objects of the run (see Inventory).
package policy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/manifest"
)

// Options configure Load.
type Options struct {
	// Paths are folders (walked recursively, hidden folders skipped) and
	// files: .rego modules, ConstraintTemplate and constraint YAML, and
	// data files (.json, .yaml or .yml holding one mapping without kind),
	// merged into data at its root wherever they are, so a policy reads the
	// same data however its folder is named on the command line; two files
	// that set one key differently conflict.
	Paths []string
	// RegoVersion of .rego files: RegoAuto (v1, or v0 for a file only v0
	// parses), RegoV1 or RegoV0. Templates follow Gatekeeper: v0, or v1
	// when their code source says version: v1.
	RegoVersion string
	// Namespaces are the Conftest packages whose rules run ("main" when
	// empty); "*" selects every package.
	Namespaces []string
	// Tests loads *_test.rego files too, with print() and Conftest's
	// parse_config* built-ins, for `palisade policy test`; constraints are
	// then left to the gator suites that name them.
	Tests bool
}

// LoadError lists everything wrong with the policies, each with its file
// and line. errors.Is(err, ErrSchema) reports constraint parameters that do
// not fit their template's schema.
type LoadError struct {
	Errors []finding.Error
	schema bool
}

func (e *LoadError) Error() string {
	lines := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		lines[i] = fe.Error()
	}
	return strings.Join(lines, "\n")
}

func (e *LoadError) Is(target error) bool { return target == ErrSchema && e.schema }

// Set is a compiled set of policies. It is safe for concurrent use.
type Set struct {
	compiler     *ast.Compiler
	store        storage.Store
	modules      map[string]*ast.Module // the .rego files as parsed, for the tester
	data         map[string]any
	entries      []*entry
	exceptions   []exceptionQuery
	combined     rego.PreparedEvalQuery // see combinedQuery
	combinedVars []string               // its bindings, exceptions then entries
	hasCombined  bool
	templates    []*template
	constraints  []*constraint
	rules        []finding.Rule
	unsupported  []finding.Error
	keepKinds    map[string]bool // nil with keepAll
	keep         bool            // some policy reads data.inventory
	keepAll      bool
	inv          *Inventory
}

type exceptionQuery struct {
	pkg   string
	query rego.PreparedEvalQuery
}

// loader gathers the files of a Load.
type loader struct {
	opts        Options
	modules     map[string]*ast.Module
	data        map[string]any
	templates   map[string]*template
	constraints []*manifest.Object
	unsupported []finding.Error
	errs        []finding.Error
	schema      bool
}

// Load reads, checks and compiles the policies under opts.Paths. Every
// problem is reported at once, each with its file and line, in a
// *LoadError. Templates that only have Gatekeeper's CEL engine are not
// errors: Unsupported lists them.
func Load(ctx context.Context, opts Options) (*Set, error) {
	if !slices.Contains([]string{RegoAuto, RegoV0, RegoV1}, opts.RegoVersion) {
		return nil, fmt.Errorf("unknown Rego version %q (want v0 or v1)", opts.RegoVersion)
	}
	l := &loader{opts: opts, modules: map[string]*ast.Module{}, data: map[string]any{}, templates: map[string]*template{}}
	for _, p := range opts.Paths {
		l.walk(p)
	}
	s := &Set{data: l.data, modules: maps.Clone(l.modules), unsupported: l.unsupported, inv: NewInventory()}
	s.constraints = l.bindConstraints()
	if err := l.err(); err != nil {
		return nil, err
	}
	all := maps.Clone(l.modules)
	for _, t := range sortedTemplates(l.templates) {
		maps.Copy(all, t.modules)
		s.templates = append(s.templates, t)
	}
	selected := namespaceFilter(opts.Namespaces)
	s.entries = conftestEntries(all, selected)

	var builtins []func(*rego.Rego)
	var decls []*ast.Builtin
	if opts.Tests {
		decls, builtins = parseConfigBuiltins()
	}
	s.compiler = newCompiler(decls, opts.Tests)
	if s.compiler.Compile(all); s.compiler.Failed() {
		l.errs = append(l.errs, regoErrors(s.compiler.Errors)...)
		return nil, l.err()
	}
	l.errs = append(l.errs, conftestRules(s.compiler, s.entries)...)
	for _, t := range s.templates {
		for _, r := range s.compiler.Modules[t.violation].Rules {
			if ruleName(r) == "violation" {
				var merrs []finding.Error
				t.meta, merrs = metaOf(s.compiler.GetAnnotationSet(), r)
				l.errs = append(l.errs, merrs...)
				break
			}
		}
	}
	for _, c := range s.constraints {
		c.rule = c.ruleFor()
	}
	if err := s.catalogue(); err != nil {
		l.errs = append(l.errs, err...)
	}
	if err := l.err(); err != nil {
		return nil, err
	}
	s.keepKinds, s.keepAll = inventoryRefs(s.compiler.Modules)
	s.keep = s.keepAll || len(s.keepKinds) > 0

	s.store = store{inmem.NewFromObjectWithOpts(l.data, inmem.OptReturnASTValuesOnRead(true))}
	prepare := func(query string) (rego.PreparedEvalQuery, error) {
		opts := append([]func(*rego.Rego){rego.Compiler(s.compiler), rego.Store(s.store), rego.Query(query)}, builtins...)
		return rego.New(opts...).PrepareForEval(ctx)
	}
	var err error
	for _, e := range s.entries {
		if e.query, err = prepare(e.path); err != nil {
			return nil, err
		}
	}
	for _, pkg := range exceptionPackages(l.modules, selected) {
		q, err := prepare("data." + pkg + ".exception")
		if err != nil {
			return nil, err
		}
		s.exceptions = append(s.exceptions, exceptionQuery{pkg, q})
	}
	for _, t := range s.templates {
		if t.query, err = prepare(t.pkg().Append(ast.StringTerm("violation")).String()); err != nil {
			return nil, err
		}
	}
	if len(s.entries) > 1 {
		var query string
		query, s.combinedVars = combinedQuery(s.exceptions, s.entries)
		if s.combined, err = prepare(query); err != nil {
			return nil, err
		}
		s.hasCombined = true
	}
	return s, nil
}

// combinedQuery asks for every exception and Conftest rule in one query,
// each wrapped in a comprehension so that an undefined rule is [] instead
// of making the whole query undefined. One evaluation shares the cache of
// functions and rules between the rules (helpers such as "the containers
// of the input" run once per object, not once per rule) and pays the
// setup of a query once. vars are its bindings: exceptions, then entries.
func combinedQuery(exceptions []exceptionQuery, entries []*entry) (query string, vars []string) {
	var exprs []string
	add := func(ref string) {
		v := fmt.Sprintf("x%d", len(vars))
		vars = append(vars, v)
		exprs = append(exprs, fmt.Sprintf("%s := [v | v := %s]", v, ref))
	}
	for _, x := range exceptions {
		add("data." + x.pkg + ".exception")
	}
	for _, e := range entries {
		add(e.path)
	}
	return strings.Join(exprs, "; "), vars
}

func (l *loader) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	finding.SortErrors(l.errs)
	return &LoadError{Errors: slices.Compact(l.errs), schema: l.schema}
}

// catalogue collects the rules and rejects two rules with one ID.
func (s *Set) catalogue() []finding.Error {
	var errs []finding.Error
	where := map[string]string{}
	add := func(r finding.Rule, file string, line int) {
		if prev, dup := where[r.ID]; dup {
			errs = append(errs, finding.Error{File: file, Line: line, Message: fmt.Sprintf("rule ID %s is already used at %s", r.ID, prev)})
			return
		}
		where[r.ID] = fmt.Sprintf("%s:%d", file, line)
		s.rules = append(s.rules, r)
	}
	for _, e := range s.entries {
		loc := s.compiler.Modules[e.repModule].Rules[e.repIndex].Location
		add(e.rule, loc.File, loc.Row)
	}
	for _, c := range s.constraints {
		add(c.rule, c.src.File, c.src.Line)
	}
	slices.SortFunc(s.rules, func(a, b finding.Rule) int { return cmp.Compare(a.ID, b.ID) })
	return errs
}

func namespaceFilter(namespaces []string) func(string) bool {
	if len(namespaces) == 0 {
		namespaces = []string{"main"}
	}
	return func(pkg string) bool {
		return slices.Contains(namespaces, "*") || slices.Contains(namespaces, pkg)
	}
}

// walk adds the policy files under path.
func (l *loader) walk(path string) {
	info, err := os.Stat(path)
	if err != nil {
		l.errs = append(l.errs, finding.Error{File: path, Message: cleanErr(err)})
		return
	}
	if !info.IsDir() {
		l.file(path)
		return
	}
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			l.errs = append(l.errs, finding.Error{File: p, Message: cleanErr(err)})
			return nil
		}
		hidden := strings.HasPrefix(d.Name(), ".") && p != path
		if d.IsDir() && hidden {
			return filepath.SkipDir
		}
		if !d.IsDir() && !hidden {
			l.file(p)
		}
		return nil
	})
	if err != nil {
		l.errs = append(l.errs, finding.Error{File: path, Message: cleanErr(err)})
	}
}

// file adds one file.
func (l *loader) file(path string) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".rego" && ext != ".yaml" && ext != ".yml" && ext != ".json" {
		return
	}
	if strings.HasSuffix(path, "_test.rego") && !l.opts.Tests {
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		l.errs = append(l.errs, finding.Error{File: path, Message: cleanErr(err)})
		return
	}
	if ext == ".rego" {
		m, err := parseRego(path, string(b), l.opts.RegoVersion, 0)
		if err != nil {
			l.errs = append(l.errs, regoErrors(err)...)
			return
		}
		l.modules[path] = m
		return
	}
	if doc, isData := dataDocument(b); isData {
		if err := mount(l.data, nil, doc); err != nil {
			l.errs = append(l.errs, finding.Error{File: path, Message: err.Error()})
		}
		return
	}
	l.objects(path, b)
}

// objects adds the ConstraintTemplates and constraints of a YAML or JSON
// file. Other objects (test fixtures, Suites) are not policies; decoding
// errors matter only in files that hold a template or constraint.
func (l *loader) objects(path string, b []byte) {
	objs, derrs := manifest.Decode(path, b)
	policyFile := false
	for _, o := range objs {
		switch {
		case IsTemplate(o):
			policyFile = true
			t, unsupported, errs := parseTemplate(o)
			l.errs = append(l.errs, errs...)
			if unsupported != nil {
				l.unsupported = append(l.unsupported, *unsupported)
			}
			if t == nil {
				continue
			}
			if prev, dup := l.templates[t.kind]; dup {
				l.errs = append(l.errs, finding.Error{File: path, Line: o.Source.Line, Message: fmt.Sprintf(
					"ConstraintTemplate %q: kind %s is already defined at %s:%d", o.Name, t.kind, prev.src.File, prev.src.Line)})
				continue
			}
			l.templates[t.kind] = t
		case IsConstraint(o):
			policyFile = true
			// Policy tests bind constraints in the suites that name them:
			// sample folders hold deliberately invalid ones, and several of
			// one name.
			if !l.opts.Tests {
				l.constraints = append(l.constraints, o)
			}
		}
	}
	if policyFile {
		l.errs = append(l.errs, derrs...)
	}
}

// bindConstraints parses each constraint against its template.
func (l *loader) bindConstraints() []*constraint {
	var out []*constraint
	seen := map[string]manifest.Source{}
	for _, o := range l.constraints {
		t, ok := l.templates[o.Kind]
		if !ok {
			if !l.cel(o.Kind) {
				l.errs = append(l.errs, finding.Error{File: o.Source.File, Line: o.Source.Line, Message: fmt.Sprintf(
					"%s %q: no ConstraintTemplate defines kind %s", o.Kind, o.Name, o.Kind)})
			}
			continue
		}
		key := o.Kind + "/" + o.Name
		if prev, dup := seen[key]; dup {
			l.errs = append(l.errs, finding.Error{File: o.Source.File, Line: o.Source.Line, Message: fmt.Sprintf(
				"%s %q is already defined at %s:%d", o.Kind, o.Name, prev.File, prev.Line)})
			continue
		}
		seen[key] = o.Source
		c, errs, schema := parseConstraint(o, t)
		l.errs = append(l.errs, errs...)
		l.schema = l.schema || schema
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *constraint) int { return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.name, b.name)) })
	return out
}

// cel reports whether kind belongs to a template skipped as CEL-only.
func (l *loader) cel(kind string) bool {
	for _, u := range l.unsupported {
		if strings.Contains(u.Message, "(kind "+kind+")") {
			return true
		}
	}
	return false
}

func sortedTemplates(m map[string]*template) []*template {
	out := slices.Collect(maps.Values(m))
	slices.SortFunc(out, func(a, b *template) int { return cmp.Compare(a.kind, b.kind) })
	return out
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func cleanErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
