package manifest

import "bytes"

var newline = []byte{'\n'}

// GuessKind returns the top-level kind of a block-style YAML document
// without parsing it ("kind: X" at column 0), or "" when it cannot tell
// cheaply (JSON, flow style, several or no top-level kind lines).
func GuessKind(doc []byte) string {
	kind, found := "", false
	for rest := doc; len(rest) > 0; {
		var line []byte
		line, rest, _ = bytes.Cut(rest, newline)
		v, ok := bytes.CutPrefix(line, []byte("kind:"))
		if !ok {
			continue
		}
		if found {
			return ""
		}
		found = true
		v = bytes.Trim(bytes.TrimSpace(v), `"'`)
		for _, c := range v {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				return ""
			}
		}
		kind = string(v)
	}
	return kind
}

// DecodeKinds decodes only the documents of data whose kind want accepts,
// for a first pass that needs a few kinds among many documents. Documents
// whose kind cannot be guessed cheaply (JSON, lists, flow style) are
// decoded and filtered after parsing. Errors are left to the full pass.
func DecodeKinds(name string, data []byte, lim Limits, want func(kind string) bool) []*Object {
	_, objs := SkimKinds(name, data, lim, want, nil)
	return objs
}
