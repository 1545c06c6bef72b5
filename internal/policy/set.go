package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"go.yaml.in/yaml/v3"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/manifest"
)

// Rules are the catalogue entries of the set, sorted by ID: one per
// Conftest rule (or group of definitions with their own METADATA) and one
// per Gatekeeper constraint.
func (s *Set) Rules() []finding.Rule {
	if s == nil {
		return nil
	}
	return append([]finding.Rule(nil), s.rules...)
}

// Unsupported lists the ConstraintTemplates that only have Gatekeeper's
// CEL engine: not evaluated, each an error naming the template.
func (s *Set) Unsupported() []finding.Error {
	if s == nil {
		return nil
	}
	return append([]finding.Error(nil), s.unsupported...)
}

// Action is the enforcement action (deny, warn, dryrun) of the constraint
// behind a rule ID; Conftest failures are deny and warnings warn.
func (s *Set) Action(ruleID string) string {
	if s == nil {
		return ""
	}
	for _, c := range s.constraints {
		if c.rule.ID == ruleID {
			return c.action
		}
	}
	for _, e := range s.entries {
		if e.rule.ID == ruleID {
			if e.warn {
				return ActionWarn
			}
			return ActionDeny
		}
	}
	return ""
}

// Keeper returns what a scan's first pass must do for data.inventory: keep
// every object whose kind keepKind accepts (every kind when keepKind is
// nil). Both are nil when no policy reads data.inventory.
func (s *Set) Keeper() (keep func(*manifest.Object), keepKind func(kind string) bool) {
	if s == nil || !s.keep {
		return nil, nil
	}
	if s.keepAll {
		return s.inv.Add, nil
	}
	return s.inv.Add, func(kind string) bool { return s.keepKinds[kind] }
}

// Inventory is the set's own data.inventory, which Keeper fills.
func (s *Set) Inventory() *Inventory { return s.inv }

// WithInventory returns the set evaluating with inv as data.inventory; the
// compiled policies are shared.
func (s *Set) WithInventory(inv *Inventory) *Set {
	c := *s
	c.inv = inv
	return &c
}

// TestModules are the .rego modules as parsed (tests included when loaded
// with Options.Tests), for OPA's tester.
func (s *Set) TestModules() map[string]*ast.Module { return maps.Clone(s.modules) }

// Data is the content of the data files.
func (s *Set) Data() map[string]any { return s.data }

// dataDocument reports whether a .json/.yaml file is data (one mapping
// without kind) rather than Kubernetes objects, and decodes it.
func dataDocument(b []byte) (map[string]any, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []any
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, false
		}
		if v != nil {
			docs = append(docs, v)
		}
	}
	if len(docs) != 1 {
		return nil, false
	}
	m, ok := docs[0].(map[string]any)
	if !ok {
		return nil, false
	}
	if _, hasKind := m["kind"]; hasKind {
		return nil, false
	}
	return m, true
}

// mount merges doc into data at path, as OPA merges data files: objects
// merge key by key, anything else conflicts.
func mount(data map[string]any, path []string, doc map[string]any) error {
	node := data
	for i, p := range path {
		next, ok := node[p].(map[string]any)
		if !ok {
			if _, taken := node[p]; taken {
				return fmt.Errorf("data conflict at data.%s", strings.Join(path[:i+1], "."))
			}
			next = map[string]any{}
			node[p] = next
		}
		node = next
	}
	return merge(node, doc, path)
}

func merge(dst, src map[string]any, at []string) error {
	for _, k := range sortedKeys(src) {
		v := src[k]
		sub, isMap := v.(map[string]any)
		cur, exists := dst[k]
		curMap, curIsMap := cur.(map[string]any)
		switch {
		case !exists:
			dst[k] = v
		case isMap && curIsMap:
			if err := merge(curMap, sub, append(at, k)); err != nil {
				return err
			}
		default:
			return fmt.Errorf("data conflict at data.%s", strings.Join(append(at, k), "."))
		}
	}
	return nil
}

// InventoryKinds are the kinds the policies read from data.inventory,
// sorted (none when no policy reads it), and whether some policy reads it
// by a variable kind, when any kind may matter.
func (s *Set) InventoryKinds() (kinds []string, anyKind bool) {
	if s == nil || !s.keep {
		return nil, false
	}
	return slices.Sorted(maps.Keys(s.keepKinds)), s.keepAll
}
