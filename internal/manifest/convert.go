package manifest

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// converter turns a yaml.Node tree into the generic data Kubernetes tools
// use (map[string]any, []any, string, int64, float64, bool, nil), with the
// checks a strict decoder needs: duplicate keys, depth, alias expansion.
type converter struct {
	budget   int
	maxDepth int
	errLine  int
	// lineOffset rebases node lines onto the file, for lines named in
	// messages (errLine stays relative to the document).
	lineOffset int
}

var errBudget = errors.New("document expands to too many values (YAML alias bomb?)")

func (c *converter) fail(n *yaml.Node, format string, args ...any) error {
	c.errLine = n.Line
	return fmt.Errorf(format, args...)
}

func (c *converter) convert(n *yaml.Node, depth int) (any, error) {
	c.budget--
	if c.budget < 0 {
		c.errLine = n.Line
		return nil, errBudget
	}
	if depth > c.maxDepth {
		return nil, c.fail(n, "nesting deeper than %d levels", c.maxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.convert(n.Content[0], depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, c.fail(n, "unknown anchor %q", n.Value)
		}
		return c.convert(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := c.convert(e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		return c.mapping(n, depth)
	case yaml.ScalarNode:
		return c.scalar(n)
	}
	return nil, c.fail(n, "unsupported YAML node")
}

func (c *converter) mapping(n *yaml.Node, depth int) (map[string]any, error) {
	out := make(map[string]any, len(n.Content)/2)
	seen := make(map[string]int, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, vn := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, vn)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return nil, c.fail(k, "mapping key must be a scalar")
		}
		if first, dup := seen[k.Value]; dup {
			return nil, c.fail(k, "duplicate key %q (first defined on line %d)", k.Value, first+c.lineOffset)
		}
		seen[k.Value] = k.Line
		v, err := c.convert(vn, depth+1)
		if err != nil {
			return nil, err
		}
		out[k.Value] = v
	}
	// YAML merge keys (<<) add keys the mapping does not set itself.
	for _, mn := range merges {
		srcs := []*yaml.Node{mn}
		if mn.Kind == yaml.SequenceNode {
			srcs = mn.Content
		}
		for _, s := range srcs {
			v, err := c.convert(s, depth+1)
			if err != nil {
				return nil, err
			}
			m, ok := v.(map[string]any)
			if !ok {
				return nil, c.fail(s, "merge key (<<) value must be a mapping")
			}
			for k, val := range m {
				if _, set := out[k]; !set {
					out[k] = val
				}
			}
		}
	}
	return out, nil
}

// yaml11Bools are the plain scalars that sigs.k8s.io/yaml (YAML 1.1, as
// kubectl reads manifests) turns into booleans but YAML 1.2 leaves strings.
var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"n": false, "N": false, "no": false, "No": false, "NO": false, "off": false, "Off": false, "OFF": false,
}

func (c *converter) scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, c.fail(n, "invalid boolean %q", n.Value)
		}
		return b, nil
	case "!!int":
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return i, nil
		}
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
		var f float64
		if err := n.Decode(&f); err == nil {
			return f, nil
		}
		return n.Value, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, c.fail(n, "invalid number %q", n.Value)
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, c.fail(n, "number %q cannot be represented in JSON", n.Value)
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 && !strings.ContainsAny(n.Value, ".eE") {
			return int64(f), nil
		}
		return f, nil
	case "!!str", "!!timestamp", "!!binary":
		if n.Style == 0 {
			if b, ok := yaml11Bools[n.Value]; ok {
				return b, nil
			}
		}
		return n.Value, nil
	}
	// Custom tags (!Ref, !!python/...) carry their value as a string.
	return n.Value, nil
}
