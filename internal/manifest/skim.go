package manifest

import (
	"bytes"
	"strings"
)

// Skim is what a first pass learns of a workload without decoding it: its
// type, namespace and the labels of the pods it runs.
type Skim struct {
	APIVersion, Kind, Namespace string
	// PodLabels are the labels at the pod metadata path given to
	// SkimKinds; nil when there are none.
	PodLabels map[string]string
}

// SkimKinds reads, of each document of data whose kind want accepts, only
// apiVersion, kind, metadata.namespace and the labels under the pod
// metadata path podMeta(kind) returns (e.g. ["spec","template","metadata"]).
// A line walk over block-style YAML does this without building a tree; it
// reads what the full decoder would read, or gives up: a document it cannot
// read with certainty (JSON, flow style or anchors on those paths,
// escapes, tabs, lists, repeated keys, values that are not plain strings)
// is decoded in full and returned in objs instead. Documents that do not
// decode are left out, as DecodeKinds leaves them; the full pass reports
// them. TestSkimMatchesDecode holds it to the decoder over every corpus.
// A nil podMeta, or a nil path from it, skims nothing: those documents
// are decoded.
func SkimKinds(name string, data []byte, lim Limits, want func(kind string) bool, podMeta func(kind string) []string) (skims []Skim, objs []*Object) {
	if lim.MaxDepth <= 0 {
		lim = DefaultLimits
	}
	if binaryReason(data) != "" {
		return nil, nil
	}
	for i, d := range splitDocuments(data) {
		k := GuessKind(d.data)
		if k != "" && !strings.HasSuffix(k, "List") && !want(k) {
			continue
		}
		if podMeta != nil && k != "" && !strings.HasSuffix(k, "List") {
			if path := podMeta(k); path != nil {
				if s, ok := skimDocument(d.data, path); ok && s.Kind == k {
					skims = append(skims, s)
					continue
				}
			}
		}
		os, _ := decodeDocument(name, i, d, lim)
		for _, o := range os {
			if want(o.Kind) {
				objs = append(objs, o)
			}
		}
	}
	return skims, objs
}

// skimEntry is one open block on the path to the current line: a mapping
// key, or "-" for a sequence item.
type skimEntry struct {
	indent int
	key    string
	child  int // indentation of the block's entries, -1 until one is read
}

type skimmer struct {
	labels    []string // path of the pod labels mapping
	stack     []skimEntry
	rootChild int
	seen      map[string]bool // keys read on wanted paths: a repeat is an error to YAML
	s         Skim
	buf       []string
}

// where a path lies relative to the values skimmed.
const (
	offPath  = iota
	onPrefix // a mapping on the way to wanted values (the root, metadata, ...)
	onValue  // a wanted scalar: apiVersion, kind, metadata.namespace, a label
)

func skimDocument(doc []byte, podMeta []string) (Skim, bool) {
	if bytes.IndexByte(doc, '\t') >= 0 || bytes.IndexByte(doc, '\r') >= 0 || bytes.HasPrefix(doc, bom) {
		return Skim{}, false
	}
	sk := skimmer{labels: append(append([]string{}, podMeta...), "labels"), seen: map[string]bool{}, rootChild: -1}
	for rest := doc; len(rest) > 0; {
		var line []byte
		line, rest, _ = bytes.Cut(rest, newline)
		n := 0
		for n < len(line) && line[n] == ' ' {
			n++
		}
		content := line[n:]
		if len(content) == 0 || content[0] == '#' {
			continue
		}
		if !sk.line(n, content) {
			return Skim{}, false
		}
	}
	if sk.s.Kind == "" || sk.s.APIVersion == "" {
		return Skim{}, false
	}
	return sk.s, true
}

// path is the keys of the stack, in a buffer reused from line to line
// (the skim runs on every line of every workload of a scan).
func (sk *skimmer) path() []string {
	sk.buf = sk.buf[:0]
	for _, e := range sk.stack {
		sk.buf = append(sk.buf, e.key)
	}
	return sk.buf
}

// line reads one line of content at indentation n.
func (sk *skimmer) line(n int, content []byte) bool {
	var where int
	for {
		// Close the blocks this line is not inside. A sequence may sit at
		// its key's indentation ("containers:\n- name: x"), so an entry
		// keeps a key at its own indentation open.
		entry := content[0] == '-' && (len(content) == 1 || content[1] == ' ')
		for len(sk.stack) > 0 {
			top := sk.stack[len(sk.stack)-1]
			if top.indent > n || top.indent == n && !(entry && top.key != "-") {
				sk.stack = sk.stack[:len(sk.stack)-1]
				continue
			}
			break
		}
		where = sk.classify(sk.path())
		switch where {
		case onValue:
			return false // a continuation, or an error, below a wanted value
		case onPrefix:
			// Entries of a mapping on the wanted paths must line up, as
			// YAML requires; off those paths a wrong indentation is the
			// full pass's to report.
			child := &sk.rootChild
			if len(sk.stack) > 0 {
				child = &sk.stack[len(sk.stack)-1].child
			}
			if *child == -1 {
				*child = n
			} else if *child != n {
				return false
			}
			if entry {
				return false // a sequence where a mapping is read
			}
		}
		if !entry {
			break
		}
		sk.stack = append(sk.stack, skimEntry{indent: n, key: "-", child: -1})
		// "- key: v" opens a mapping at the column after the dash.
		i := 1
		for i < len(content) && content[i] == ' ' {
			i++
		}
		if i == len(content) || content[i] == '#' {
			return true
		}
		n, content = n+i, content[i:]
	}
	key, value, ok := splitKey(content)
	if !ok {
		// A scalar line: a sequence item or the continuation of a
		// multi-line scalar, harmless off the wanted paths.
		return where == offPath
	}
	if !endsOnLine(value) {
		// A quoted scalar or flow collection going on to the next lines
		// may hold, on a line of its own, text that reads as a key.
		return false
	}
	sk.stack = append(sk.stack, skimEntry{indent: n, key: key, child: -1})
	if where == offPath {
		// Whatever the value, its continuation lines, if any, are more
		// indented and land under this key, off the paths.
		return true
	}
	path := sk.path()
	jp := strings.Join(path, "\x00") // no key read here holds a NUL
	if sk.seen[jp] {
		return false // a repeated key: an error to YAML
	}
	sk.seen[jp] = true
	switch sk.classify(path) {
	case onPrefix:
		// A mapping on the way to wanted values: it must be a block (or
		// an empty labels mapping).
		return len(value) == 0 || string(value) == "{}" && equalPath(path, sk.labels)
	case onValue:
		v, ok := scalarString(value)
		if !ok {
			return false
		}
		switch {
		case len(path) == 1 && key == "kind":
			sk.s.Kind = v
		case len(path) == 1 && key == "apiVersion":
			sk.s.APIVersion = v
		case len(path) == 2 && path[0] == "metadata" && key == "namespace":
			sk.s.Namespace = v
		default:
			if sk.s.PodLabels == nil {
				sk.s.PodLabels = map[string]string{}
			}
			sk.s.PodLabels[key] = v
		}
	}
	return true
}

// classify places path: the root, metadata, the pod metadata path and the
// labels mapping lead to wanted values; apiVersion, kind,
// metadata.namespace and each pod label are wanted values.
func (sk *skimmer) classify(path []string) int {
	switch {
	case len(path) == 0:
		return onPrefix
	case len(path) == 1 && (path[0] == "kind" || path[0] == "apiVersion"):
		return onValue
	case len(path) == 1 && path[0] == "metadata":
		return onPrefix
	case len(path) == 2 && path[0] == "metadata" && path[1] == "namespace":
		return onValue
	case len(path) == len(sk.labels)+1 && equalPath(path[:len(sk.labels)], sk.labels):
		return onValue
	case len(path) <= len(sk.labels) && equalPath(path, sk.labels[:len(path)]):
		return onPrefix
	}
	return offPath
}

// endsOnLine reports whether a value that opens a quoted scalar or a flow
// collection also closes it on its line.
func endsOnLine(v []byte) bool {
	if len(v) == 0 {
		return true
	}
	switch v[0] {
	case '\'':
		_, _, ok := singleQuoted(v)
		return ok
	case '"':
		for i := 1; i < len(v); i++ {
			switch v[i] {
			case '\\':
				i++
			case '"':
				return true
			}
		}
		return false
	case '{', '[':
		depth := 0
		for i := 0; i < len(v); i++ {
			switch v[i] {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			case '"', '\'':
				return false // quotes inside flow: not worth reading here
			case '#':
				if v[i-1] == ' ' {
					return depth == 0
				}
			}
		}
		return depth == 0
	}
	return true
}

func equalPath(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// isPlainKeyStart accepts the first byte of a plain key read here: not a
// YAML indicator.
func isPlainKeyStart(c byte) bool {
	return strings.IndexByte("-?:,[]{}#&*!|>'\"%@`", c) < 0 && c > ' '
}

// splitKey cuts "key: value" (or "key:") into a plain or single-quoted key
// and the trimmed value, comments dropped from neither; ok is false for a
// line that is no simple mapping entry.
func splitKey(content []byte) (key string, value []byte, ok bool) {
	var rest []byte
	switch c := content[0]; {
	case c == '\'':
		k, r, ok := singleQuoted(content)
		if !ok || len(r) == 0 || r[0] != ':' {
			return "", nil, false
		}
		key, rest = k, r[1:]
	case isPlainKeyStart(c):
		i := 0
		for {
			j := bytes.IndexByte(content[i:], ':')
			if j < 0 {
				return "", nil, false
			}
			i += j
			if i+1 == len(content) || content[i+1] == ' ' {
				break
			}
			i++
		}
		k := content[:i]
		if bytes.Contains(k, []byte(" #")) || len(bytes.TrimRight(k, " ")) != len(k) {
			return "", nil, false
		}
		key, rest = string(k), content[i+1:]
		if plainTag(key) != "!!str" {
			return "", nil, false // true:, 1:, <<: and the like are not string keys
		}
	default:
		return "", nil, false
	}
	if len(rest) > 0 && rest[0] != ' ' {
		return "", nil, false
	}
	value = bytes.TrimLeft(rest, " ")
	if len(value) > 0 && value[0] == '#' {
		value = nil
	}
	return key, value, true
}

// scalarString reads a one-line value that YAML resolves to a string: a
// plain scalar that is no number, bool, null or timestamp, or a
// single-quoted one. Anything else (double quotes, which have escapes,
// flow collections, anchors, tags, block scalars) is not read here.
func scalarString(v []byte) (string, bool) {
	if len(v) == 0 {
		return "", false
	}
	if v[0] == '\'' {
		s, rest, ok := singleQuoted(v)
		if !ok || len(rest) > 0 && rest[0] != ' ' {
			return "", false
		}
		if rest = bytes.TrimLeft(rest, " "); len(rest) > 0 && rest[0] != '#' {
			return "", false
		}
		return s, true
	}
	if !isPlainKeyStart(v[0]) {
		return "", false
	}
	if i := bytes.Index(v, []byte(" #")); i >= 0 {
		v = v[:i]
	}
	v = bytes.TrimRight(v, " ")
	if bytes.Contains(v, []byte(": ")) || bytes.HasSuffix(v, []byte(":")) {
		return "", false
	}
	s := string(v)
	if plainTag(s) != "!!str" {
		return "", false
	}
	return s, true
}

// singleQuoted reads a single-quoted scalar that ends on its line (” is a
// quote) and returns what follows it.
func singleQuoted(b []byte) (string, []byte, bool) {
	var sb strings.Builder
	for i := 1; i < len(b); i++ {
		if b[i] != '\'' {
			sb.WriteByte(b[i])
			continue
		}
		if i+1 < len(b) && b[i+1] == '\'' {
			sb.WriteByte('\'')
			i++
			continue
		}
		return sb.String(), b[i+1:], true
	}
	return "", nil, false
}
