package manifest

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/palisade-dev/palisade/internal/finding"
)

// Limits bound the work one hostile document can cause. They are documented
// in README.md; the zero value means DefaultLimits.
type Limits struct {
	// MaxDepth is the deepest nesting of mappings and sequences accepted.
	MaxDepth int
	// MaxNodesPerByte bounds alias expansion: a document may expand to at
	// most MaxNodesPerByte*len(document)+10000 values. Real manifests stay
	// far below 1 value per byte; alias bombs go far above it.
	MaxNodesPerByte int
}

// DefaultLimits are used by the CLI and the webhook.
var DefaultLimits = Limits{MaxDepth: 200, MaxNodesPerByte: 2}

// Decode reads every object in one byte stream: multi-document YAML, JSON,
// `kind: List` and any `*List`. Broken documents become errors with their
// line; the other documents are still returned.
func Decode(name string, data []byte) ([]*Object, []finding.Error) {
	return DecodeWithLimits(name, data, DefaultLimits)
}

// DecodeWithLimits is Decode with explicit limits.
func DecodeWithLimits(name string, data []byte, lim Limits) ([]*Object, []finding.Error) {
	if lim.MaxDepth <= 0 {
		lim = DefaultLimits
	}
	if msg := binaryReason(data); msg != "" {
		return nil, []finding.Error{{File: name, Line: 1, Message: msg}}
	}
	var (
		objs []*Object
		errs []finding.Error
	)
	for i, d := range splitDocuments(data) {
		o, e := decodeDocument(name, i, d, lim)
		objs = append(objs, o...)
		errs = append(errs, e...)
	}
	return objs, errs
}

// binaryReason reports why data is not text, or "".
func binaryReason(data []byte) string {
	head := data
	if len(head) > 8192 {
		head = head[:8192]
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return "binary file (contains NUL bytes), not YAML or JSON"
	}
	if !utf8.Valid(trimIncompleteRune(head)) {
		return "not valid UTF-8 text, not YAML or JSON"
	}
	return ""
}

func trimIncompleteRune(b []byte) []byte {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		r, size := utf8.DecodeLastRune(b)
		if r != utf8.RuneError || size != 1 {
			return b
		}
		if utf8.RuneStart(b[len(b)-1]) {
			return b[:len(b)-1]
		}
		b = b[:len(b)-1]
	}
	return b
}

type document struct {
	data []byte
	line int // 1-based line of data[0] in the file
}

// splitDocuments cuts a stream at `---` and `...` marker lines. Each document
// is parsed on its own so that one syntax error loses only that document;
// markers at column 0 cannot occur inside a YAML scalar, so this matches
// the YAML stream grammar.
func splitDocuments(data []byte) []document {
	var (
		docs     []document
		start    = 0
		line     = 1
		first    = 1
		explicit = false // the current document began with "---"
	)
	// closeDoc ends the current document. One that did not begin with "---"
	// and holds only comments is no document, so Doc counts as YAML does
	// when a stream starts with "---" or has "---" after "...".
	closeDoc := func(pos int) {
		if d := data[start:pos]; explicit || !isBlank(d) {
			docs = append(docs, document{data: d, line: first})
		}
	}
	for pos := 0; pos < len(data); {
		next := len(data)
		if end := bytes.IndexByte(data[pos:], '\n'); end >= 0 {
			next = pos + end + 1
		}
		l := data[pos:next]
		if pos == 0 {
			l = bytes.TrimPrefix(l, bom)
		}
		switch {
		case isMarker(l, "---"):
			closeDoc(pos)
			start, first, explicit = next, line+1, true
			if len(bytes.TrimSpace(l[3:])) > 0 {
				// "--- {a: 1}" or "--- !tag": the marker line holds content
				// of the next document; decodeDocument blanks the marker.
				start, first = pos, line
			}
		case isMarker(l, "..."):
			closeDoc(pos)
			start, first, explicit = next, line+1, false
		}
		pos = next
		line++
	}
	closeDoc(len(data))
	return docs
}

var bom = []byte("\ufeff")

func isMarker(l []byte, m string) bool {
	if !bytes.HasPrefix(l, []byte(m)) {
		return false
	}
	r := l[len(m):]
	return len(r) == 0 || r[0] == ' ' || r[0] == '\t' || r[0] == '\n' || r[0] == '\r'
}

var lineRE = regexp.MustCompile(`line (\d+)`)

func decodeDocument(name string, idx int, d document, lim Limits) ([]*Object, []finding.Error) {
	if isBlank(d.data) {
		return nil, nil
	}
	d.data = bytes.TrimPrefix(d.data, bom)
	if isMarker(d.data, "---") {
		d.data = append([]byte("   "), d.data[3:]...)
	}
	n := jsonNode(d.data)
	var slab *nodeSlab
	if n == nil {
		var root yaml.Node
		if fast, sl, ok := fastParseSlab(d.data); ok { // the common block-style subset, same tree
			root, slab = *fast, sl
		} else if err := yaml.Unmarshal(d.data, &root); err != nil {
			return nil, []finding.Error{yamlError(name, d, err)}
		}
		if root.Kind == 0 || len(root.Content) == 0 {
			putSlab(slab)
			return nil, nil // only comments
		}
		n = root.Content[0]
	}
	c := &converter{budget: lim.MaxNodesPerByte*len(d.data) + 10000, maxDepth: lim.MaxDepth, lineOffset: d.line - 1}
	v, err := c.convert(n, 0)
	if err != nil {
		putSlab(slab)
		return nil, []finding.Error{{File: name, Line: d.line + c.errLine - 1, Message: err.Error()}}
	}
	if v == nil {
		putSlab(slab)
		return nil, nil // an explicit null document, e.g. a lone "~"
	}
	objs, errs := objectsFrom(name, idx, d.line, n, v)
	if slab != nil {
		// The objects share the slab; the last one released gives it back
		// (Object.releaseNodes). Content holds no pointer into it.
		if len(objs) == 0 {
			putSlab(slab)
		}
		slab.refs.Store(int32(len(objs)))
		for _, o := range objs {
			o.slab = slab
		}
	}
	return objs, errs
}

func isBlank(b []byte) bool {
	// Line by line without splitting: this runs on every document.
	for rest := bytes.TrimPrefix(b, bom); len(rest) > 0; {
		l := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			l, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
			return false
		}
	}
	return true
}

// parserProblems are the errors of the YAML parser (as opposed to its
// scanner). go.yaml.in/yaml/v3 reports their line 0-based ("line 2" for the
// third line), so yamlError adds one.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

func yamlError(name string, d document, err error) finding.Error {
	msg := err.Error()
	offset := d.line
	line := offset
	m := lineRE.FindStringSubmatchIndex(msg)
	if m != nil {
		n, _ := strconv.Atoi(msg[m[2]:m[3]])
		line = offset + n - 1
		msg = msg[:m[0]] + msg[m[1]:]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, ": ")
	msg = strings.Replace(msg, " : ", " ", 1)
	if m != nil && parserProblems[strings.TrimSpace(msg)] {
		line++
	}
	// At the end of the input the parser names the line after the last;
	// point at the last line with content instead.
	if last := offset + bytes.Count(bytes.TrimRight(d.data, " \t\r\n"), []byte("\n")); line > last {
		line = last
	}
	return finding.Error{File: name, Line: line, Message: "invalid YAML: " + strings.TrimSpace(msg)}
}

// objectsFrom turns one decoded document into objects, expanding lists.
func objectsFrom(name string, idx, offset int, n *yaml.Node, v any) ([]*Object, []finding.Error) {
	line := func(n *yaml.Node) int { return offset + n.Line - 1 }
	m, ok := v.(map[string]any)
	if !ok {
		return nil, []finding.Error{{File: name, Line: line(n), Message: fmt.Sprintf("document is %s, not a Kubernetes object (a mapping with apiVersion and kind)", describe(v))}}
	}
	kind, _ := m["kind"].(string)
	if items, isList := m["items"].([]any); isList && strings.HasSuffix(kind, "List") {
		itemsNode, _ := child(n, "items")
		var (
			objs []*Object
			errs []finding.Error
		)
		for i, it := range items {
			in := n // defensive: the item nodes should always be found
			if itemsNode != nil && itemsNode.Kind == yaml.SequenceNode && len(itemsNode.Content) == len(items) {
				in = itemsNode.Content[i]
			}
			o, e := objectsFrom(name, idx, offset, in, it)
			objs = append(objs, o...)
			errs = append(errs, e...)
		}
		return objs, errs
	}
	o, err := newObject(m)
	if err != nil {
		return nil, []finding.Error{{File: name, Line: line(n), Message: err.Error()}}
	}
	o.Source = Source{File: name, Line: line(n), Doc: idx}
	o.node = deref(n) // a List item may be an alias
	o.lineOffset = offset - 1
	return []*Object{o}, nil
}

func describe(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case nil:
		return "null"
	default:
		return "a scalar"
	}
}

// NewObject builds an Object from generic content, e.g. one read from an API
// server or an AdmissionReview. It has no positions.
func NewObject(content map[string]any, src Source) (*Object, error) {
	o, err := newObject(content)
	if err != nil {
		return nil, err
	}
	o.Source = src
	return o, nil
}

func newObject(m map[string]any) (*Object, error) {
	kind, kok := m["kind"].(string)
	apiVersion, aok := m["apiVersion"].(string)
	switch {
	case !kok || kind == "":
		return nil, fmt.Errorf("object has no kind (every Kubernetes object needs apiVersion and kind)")
	case !aok || apiVersion == "":
		return nil, fmt.Errorf("%s has no apiVersion", kind)
	}
	o := &Object{APIVersion: apiVersion, Kind: kind, Content: m}
	meta, _ := m["metadata"].(map[string]any)
	if v, ok := m["metadata"]; ok && meta == nil && v != nil {
		return nil, fmt.Errorf("%s: metadata must be a mapping", kind)
	}
	o.Name, _ = meta["name"].(string)
	if o.Name == "" {
		o.Name, _ = meta["generateName"].(string)
	}
	o.Namespace, _ = meta["namespace"].(string)
	var err error
	if o.Labels, err = stringMap(meta, "labels"); err != nil {
		return nil, fmt.Errorf("%s: %v", strings.TrimSpace(kind+" "+o.Name), err)
	}
	if o.Annotations, err = stringMap(meta, "annotations"); err != nil {
		return nil, fmt.Errorf("%s: %v", strings.TrimSpace(kind+" "+o.Name), err)
	}
	return o, nil
}

func stringMap(meta map[string]any, key string) (map[string]string, error) {
	raw, ok := meta[key]
	if !ok || raw == nil {
		return nil, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("metadata.%s must be a mapping of strings", key)
	}
	out := make(map[string]string, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) { // the same error every run
		v := m[k]
		if v == nil {
			// JSON null decodes to "" in a Go string, as the API server reads it.
			out[k] = ""
			continue
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("metadata.%s[%s] must be a string, got %v", key, k, v)
		}
		out[k] = s
	}
	return out, nil
}
