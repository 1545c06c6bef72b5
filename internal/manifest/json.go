package manifest

import (
	"bytes"
	"encoding/json"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// jsonNode parses a document that is exactly one JSON object or array into
// the node tree the YAML parser would build, with the same lines. It returns
// nil for anything else, which is then parsed as YAML.
//
// go.yaml.in/yaml/v3 is not a superset of JSON: it rejects the "\/" escape
// (PHP's default output), surrogate pairs such as "\ud83d\ude00" (Python's),
// a key and its colon on different lines, and keys over 1024 bytes.
func jsonNode(data []byte) *yaml.Node {
	body := bytes.TrimLeft(data, " \t\r\n")
	if len(body) == 0 || (body[0] != '{' && body[0] != '[') || !json.Valid(data) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var (
		root  *yaml.Node
		stack []*yaml.Node
		line  = 1
		pos   = 0
	)
	add := func(n *yaml.Node) {
		if len(stack) == 0 {
			root = n
		} else {
			top := stack[len(stack)-1]
			top.Content = append(top.Content, n)
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			break // io.EOF: data is valid, so nothing else can fail
		}
		// A token never spans lines: its line is that of its last byte.
		end := int(dec.InputOffset())
		for end > pos && isJSONSpace(data[end-1]) {
			end--
		}
		for ; pos < end; pos++ {
			if data[pos] == '\n' {
				line++
			}
		}
		n := &yaml.Node{Kind: yaml.ScalarNode, Line: line}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				n.Kind, n.Tag, n.Style = yaml.MappingNode, "!!map", yaml.FlowStyle
			case '[':
				n.Kind, n.Tag, n.Style = yaml.SequenceNode, "!!seq", yaml.FlowStyle
			default:
				stack = stack[:len(stack)-1]
				continue
			}
			add(n)
			stack = append(stack, n)
			continue
		case string:
			n.Tag, n.Style, n.Value = "!!str", yaml.DoubleQuotedStyle, t
		case json.Number:
			n.Value = string(t) // plain: tagged !!int or !!float as YAML would
		case bool:
			n.Tag, n.Value = "!!bool", strconv.FormatBool(t)
		case nil:
			n.Tag, n.Value = "!!null", "null"
		}
		add(n)
	}
	return root
}

func isJSONSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\r' || b == '\n'
}
