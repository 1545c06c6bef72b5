// Package manifest holds a Kubernetes object as read from its input, and
// where each of its fields came from, so every finding can name a line.
package manifest

import (
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Source is where an object was read.
type Source struct {
	// File is the path as given on the command line ("-" for stdin).
	File string
	// Line is the 1-based line of the object's first line in File.
	Line int
	// Doc is the 0-based index of the YAML document in File.
	Doc int
	// Origin names the template or overlay file for rendered input.
	Origin string
}

// Object is one Kubernetes object. Content and the field positions are
// dropped by Release once the evaluators have read them, so a large scan
// keeps only the identity of each object.
type Object struct {
	APIVersion  string
	Kind        string
	Namespace   string
	Name        string
	Labels      map[string]string
	Annotations map[string]string
	Source      Source

	// Content is the object as generic JSON-compatible data.
	Content map[string]any
	node    *yaml.Node
	// slab holds node's tree when the fast parser built it (see nodeSlab).
	slab *nodeSlab
	// lineOffset rebases node lines (relative to the document) onto File.
	lineOffset int
}

// Release drops the parsed content and positions. Identity and labels stay.
func (o *Object) Release() {
	o.Content = nil
	o.releaseNodes()
}

// ReleasePositions drops the field positions but keeps the content, for
// objects kept as facts after their findings were located.
func (o *Object) ReleasePositions() { o.releaseNodes() }

// releaseNodes drops the positions; the last object of a document to do
// so gives the document's node slab back for reuse, so nothing may keep a
// *yaml.Node of an object past its release.
func (o *Object) releaseNodes() {
	o.node = nil
	if sl := o.slab; sl != nil {
		o.slab = nil
		if sl.refs.Add(-1) == 0 {
			putSlab(sl)
		}
	}
}

// Line returns the line of the field at path (as printed by
// k8s.io/apimachinery/pkg/util/validation/field.Path, e.g.
// "spec.containers[0].securityContext.privileged"), or of its nearest
// ancestor present in the input, or of the object itself. For a mapping
// entry the line is that of its key, where a reader looks for it.
func (o *Object) Line(path string) int {
	_, line, _ := o.lookup(path)
	if line == 0 {
		return o.Source.Line
	}
	return line + o.lineOffset
}

// Has reports whether the field at path is present in the input. Objects
// without positions (read from an API server or an AdmissionReview) answer
// from their content.
func (o *Object) Has(path string) bool {
	if o.node == nil {
		_, ok := o.contentAt(path)
		return ok
	}
	_, _, exact := o.lookup(path)
	return exact
}

// contentAt walks Content along path.
func (o *Object) contentAt(path string) (any, bool) {
	var cur any = o.Content
	if o.Content == nil {
		return nil, false
	}
	for _, seg := range splitPath(path) {
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[seg]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// Keys returns the keys of the mapping at path, in input order (sorted for
// objects without positions, whose content has no order).
func (o *Object) Keys(path string) []string {
	if o.node == nil {
		m, _ := o.contentAt(path)
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		keys := make([]string, 0, len(mm))
		for k := range mm {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return keys
	}
	n, _, exact := o.lookup(path)
	if !exact || n.Kind != yaml.MappingNode {
		return nil
	}
	var keys []string
	seen := map[string]bool{}
	eachPair(n, func(k, _ *yaml.Node) bool {
		if !seen[k.Value] {
			seen[k.Value] = true
			keys = append(keys, k.Value)
		}
		return false
	})
	return keys
}

// lookup walks the node tree; it returns the deepest node reached, the line
// where that node is named (0 for the root), and whether the whole path
// was found.
func (o *Object) lookup(path string) (*yaml.Node, int, bool) {
	n := o.node
	if n == nil {
		return nil, 0, false
	}
	line := 0
	for _, seg := range splitPath(path) {
		next, at := child(n, seg)
		if next == nil {
			return n, line, false
		}
		n, line = next, at
	}
	return n, line, true
}

// child returns the value under seg and the line naming it (the key's line
// in a mapping, the item's line in a sequence).
func child(n *yaml.Node, seg string) (*yaml.Node, int) {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		var v, k *yaml.Node
		eachPair(n, func(key, val *yaml.Node) bool {
			if key.Value == seg {
				k, v = key, val
			}
			return v != nil
		})
		if v != nil {
			return deref(v), k.Line
		}
	case yaml.SequenceNode:
		i, err := strconv.Atoi(seg)
		if err == nil && i >= 0 && i < len(n.Content) {
			return deref(n.Content[i]), n.Content[i].Line
		}
	}
	return nil, 0
}

// eachPair calls fn with the key and value nodes of mapping n as decoded:
// its own keys in input order, then those of YAML merge keys (<<) in order,
// until fn returns true. A key may come twice; the first wins, as in
// convert, which has already bounded the depth and size of any merges.
func eachPair(n *yaml.Node, fn func(k, v *yaml.Node) bool) bool {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, n.Content[i+1])
		} else if fn(k, n.Content[i+1]) {
			return true
		}
	}
	for _, m := range merges {
		srcs := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			srcs = m.Content
		}
		for _, s := range srcs {
			if s = deref(s); s.Kind == yaml.MappingNode && eachPair(s, fn) {
				return true
			}
		}
	}
	return false
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// splitPath splits "a.b[0].c[key.with.dots]" into a, b, 0, c, key.with.dots.
func splitPath(p string) []string {
	var segs []string
	for len(p) > 0 {
		switch p[0] {
		case '.':
			p = p[1:]
		case '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return append(segs, p[1:])
			}
			segs = append(segs, p[1:end])
			p = p[end+1:]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				return append(segs, p)
			}
			segs = append(segs, p[:end])
			p = p[end:]
		}
	}
	return segs
}
