package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/palisade-dev/palisade/internal/finding"
)

// Conftest's rule names: failures and warnings.
var (
	failureRE = regexp.MustCompile(`^(deny|violation)(_[a-zA-Z0-9]+)*$`)
	warningRE = regexp.MustCompile(`^warn(_[a-zA-Z0-9]+)*$`)
)

// exceptionName is the name a Conftest exception rule lists to except a
// rule: its name without the deny_, violation_ or warn_ prefix.
func exceptionName(rule string) string {
	for _, p := range []string{"deny_", "violation_", "warn_"} {
		if s, ok := strings.CutPrefix(rule, p); ok {
			return s
		}
	}
	return rule
}

// entry is one Conftest entry point: a query prepared once and evaluated
// on every object.
type entry struct {
	pkg, name string // package ("main") and rule name ("deny_host_pid")
	path      string // the query: data.main.deny_host_pid, or a split rule
	warn      bool
	// rep locates a definition whose METADATA describes the entry, in the
	// compiled modules: module key and rule index.
	repModule string
	repIndex  int
	rule      finding.Rule
	query     rego.PreparedEvalQuery
}

// conftestEntries finds the deny*, violation* and warn* rules of the
// selected packages. Definitions of one rule that carry different
// rule-scoped METADATA are different rules of the catalogue: each group
// is copied under a hidden name (added to modules) and queried alone.
func conftestEntries(modules map[string]*ast.Module, selected func(pkg string) bool) []*entry {
	type def struct {
		module string
		index  int
		rule   *ast.Rule
	}
	groups := map[string][]def{} // "pkg\x00name"
	var keys []string
	for _, key := range sortedKeys(modules) {
		m := modules[key]
		pkg := packageName(m)
		if !selected(pkg) {
			continue
		}
		for i, r := range m.Rules {
			name := ruleName(r)
			if !failureRE.MatchString(name) && !warningRE.MatchString(name) {
				continue
			}
			k := pkg + "\x00" + name
			if _, seen := groups[k]; !seen {
				keys = append(keys, k)
			}
			groups[k] = append(groups[k], def{key, i, r})
		}
	}
	slices.Sort(keys)
	var entries []*entry
	split := map[string]*ast.Module{} // hidden copies, by original module
	for _, k := range keys {
		pkg, name, _ := strings.Cut(k, "\x00")
		defs := groups[k]
		// Partition: each definition with its own rule-scoped METADATA
		// apart, the others together.
		var parts [][]def
		var plain []def
		for _, d := range defs {
			if hasRuleScope(d.rule) {
				parts = append(parts, []def{d})
			} else {
				plain = append(plain, d)
			}
		}
		if len(plain) > 0 {
			parts = append([][]def{plain}, parts...)
		}
		base := &entry{pkg: pkg, name: name, warn: warningRE.MatchString(name), path: "data." + pkg + "." + name}
		if len(parts) == 1 {
			base.repModule, base.repIndex = parts[0][0].module, parts[0][0].index
			entries = append(entries, base)
			continue
		}
		for i, part := range parts {
			e := *base
			hidden := fmt.Sprintf("__palisade_%s_%d", name, i)
			e.path = "data." + pkg + "." + hidden
			e.repModule, e.repIndex = part[0].module, part[0].index
			for _, d := range part {
				orig := modules[d.module]
				cp, ok := split[d.module]
				if !ok {
					cp = orig.Copy()
					cp.Rules, cp.Annotations, cp.Comments = nil, nil, nil
					split[d.module] = cp
				}
				r := d.rule.Copy()
				r.Annotations = nil
				for x := r; x != nil; x = x.Else {
					x.Head.Name = ast.Var(hidden)
					x.Head.Reference = ast.Ref{ast.VarTerm(hidden)}
				}
				r.Module = cp
				cp.Rules = append(cp.Rules, r)
			}
			entries = append(entries, &e)
		}
	}
	for key, m := range split {
		modules[key+"#split"] = m
	}
	return entries
}

func hasRuleScope(r *ast.Rule) bool {
	for _, a := range r.Annotations {
		if a.Scope == "rule" {
			return true
		}
	}
	return false
}

// conftestRules gives each entry its catalogue entry from METADATA; a
// missing id is policy/<package>.<rule>, with -2, -3... for further
// groups of split definitions.
func conftestRules(c *ast.Compiler, entries []*entry) []finding.Error {
	var errs []finding.Error
	seen := map[string]int{}
	for _, e := range entries {
		r := c.Modules[e.repModule].Rules[e.repIndex]
		m, merrs := metaOf(c.GetAnnotationSet(), r)
		errs = append(errs, merrs...)
		id := m.id
		if id == "" {
			id = "policy/" + e.pkg + "." + e.name
			if n := seen[id]; n > 0 {
				id = fmt.Sprintf("%s-%d", id, n+1)
			}
		}
		seen["policy/"+e.pkg+"."+e.name]++
		def := finding.SeverityHigh
		if e.warn {
			def = finding.SeverityLow
		}
		e.rule = m.rule(id, def, e.pkg+"."+e.name)
	}
	return errs
}

// exceptionPackages lists the selected packages that define Conftest's
// exception rule.
func exceptionPackages(modules map[string]*ast.Module, selected func(string) bool) []string {
	var pkgs []string
	for _, m := range modules {
		pkg := packageName(m)
		if !selected(pkg) || slices.Contains(pkgs, pkg) {
			continue
		}
		for _, r := range m.Rules {
			if ruleName(r) == "exception" {
				pkgs = append(pkgs, pkg)
				break
			}
		}
	}
	slices.Sort(pkgs)
	return pkgs
}

// excepted reads the value of an exception rule: a set of lists of rule
// names (exception contains rules if { rules := ["host_pid"] }), or of
// names.
func excepted(v any) map[string]bool {
	out := map[string]bool{}
	items, _ := v.([]any)
	for _, it := range items {
		switch x := it.(type) {
		case string:
			out[x] = true
		case []any:
			for _, n := range x {
				if s, ok := n.(string); ok {
					out[s] = true
				}
			}
		}
	}
	return out
}
