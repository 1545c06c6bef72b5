package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzDecode checks the invariants of Decode on any input. hack/test.sh,
// which .ci/run calls, fuzzes it for 20 seconds on every run:
//
//	go test ./internal/manifest -run '^$' -fuzz '^FuzzDecode$' -fuzztime 20s
//
// Inputs that once failed live in testdata/fuzz/FuzzDecode and run as
// ordinary tests with go test.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		lines(cm("a"), "---", cm("b")),
		lines("apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: web", "  namespace: prod",
			"  labels: {app: web}", "  annotations:", "    container.apparmor.security.beta.kubernetes.io/app: unconfined",
			"spec:", "  template:", "    spec:", "      hostNetwork: yes", "      containers:", "      - name: app",
			"        image: nginx", "        securityContext: {privileged: true, runAsUser: 0}"),
		lines("apiVersion: v1", "kind: List", "items:", "- "+strings.ReplaceAll(cm("a"), "\n", "\n  "), "- apiVersion: v1", "  metadata: {}"),
		lines("base: &b {apiVersion: v1, kind: ConfigMap}", "<<: *b", "metadata: {name: m, labels: {a: *b}}"),
		lines("x: &p {apiVersion: v1, kind: Pod, metadata: {name: n}}", "apiVersion: v1", "kind: List", "items: [*p, *p]"),
		"--- {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}\n...\n",
		"{\n\t\"kind\": \"List\", \"apiVersion\": \"v1\",\n\t\"items\": [{\"apiVersion\": \"v1\", \"kind\": \"A\", \"metadata\": {\"name\": \"a\\/b\\ud83d\\ude00\"}}]\n}\n",
		"\ufeffapiVersion: v1\r\nkind: A\r\n---\r\nkind: B\r\n",
		lines(cm("a"), "---", "apiVersion: v1", "kind: B", "metadata: {name: [b", "---", "\tkey: v", "---", "- a", "---", "a: 1\na: 2"),
		billionLaughs(6),
		strings.Repeat("[", 300) + strings.Repeat("]", 300),
		strings.Repeat("- ", 250) + "x",
		"\x00\x01\x02binary",
		"caf\xe9: \xff\xfe",
		"apiVersion: v1\nkind: A\nx: !!binary aGVsbG8=\ny: !custom 1\nz: !!float .inf\nw: !!int 0x\n",
		"apiVersion: v1\nkind: A\nbig: 99999999999999999999999\n? [complex]\n: key\n",
		"%YAML 1.2\n---\napiVersion: v1\nkind: A\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.yaml"
		objs, errs := Decode(name, data)
		// YAML counts \r, NEL, LS and PS as line breaks too.
		maxLine := 1 + bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) +
			bytes.Count(data, []byte("\u0085")) + bytes.Count(data, []byte("\u2028")) + bytes.Count(data, []byte("\u2029"))
		for _, e := range errs {
			if e.File != name || e.Line < 1 || e.Line > maxLine || e.Message == "" {
				t.Errorf("bad error %+v (input has at most %d lines)", e, maxLine)
			}
		}
		aliases := bytes.IndexByte(data, '*') >= 0
		lastDoc := 0
		for _, o := range objs {
			src := o.Source
			if o.Kind == "" || o.APIVersion == "" || src.File != name || src.Line < 1 || src.Line > maxLine || o.Content == nil {
				t.Errorf("bad object %s %s at %+v", o.APIVersion, o.Kind, src)
			}
			if src.Doc < lastDoc {
				t.Errorf("object %s at %+v after document %d", o.Kind, src, lastDoc)
			}
			lastDoc = src.Doc
			if l := o.Line("metadata.name"); l < 1 || l > maxLine || (l < src.Line && !aliases) {
				// An item of a List may alias content written before it.
				t.Errorf("%s at line %d: Line(metadata.name) = %d", o.Kind, src.Line, l)
			}
			if !o.Has("kind") || !o.Has("apiVersion") {
				t.Errorf("%s at line %d: Has(kind) %v, Has(apiVersion) %v", o.Kind, src.Line, o.Has("kind"), o.Has("apiVersion"))
			}
			if keys := o.Keys(""); len(keys) != len(o.Content) {
				t.Errorf("%s at line %d: Keys %q for content with %d keys", o.Kind, src.Line, keys, len(o.Content))
			}
		}
		// The same input gives the same result: no map order leaks out.
		objs2, errs2 := Decode(name, data)
		if !reflect.DeepEqual(errs, errs2) || len(objs) != len(objs2) {
			t.Errorf("second Decode differs: %v vs %v", errs, errs2)
		}
		// JSON the YAML parser accepts decodes as it would as YAML, but for
		// NEL, LS and PS: line breaks to YAML 1.1, in JSON strings characters.
		if doc := bytes.TrimPrefix(data, bom); json.Valid(doc) && !bytes.ContainsAny(doc, "\u0085\u2028\u2029") {
			if y, err := yamlParse(doc); err == nil && y != nil {
				if msg := compareJSONPath(doc, y); msg != "" {
					t.Errorf("JSON decodes differently from YAML: %s", msg)
				}
			}
		}
	})
}

// yamlParse parses one YAML document with the YAML parser alone.
func yamlParse(data []byte) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	if len(root.Content) == 0 {
		return nil, nil
	}
	return root.Content[0], nil
}

// compareJSONPath compares the tree jsonNode builds for data with y, the one
// the YAML parser built, node by node and once converted.
func compareJSONPath(data []byte, y *yaml.Node) string {
	j := jsonNode(data)
	if j == nil {
		if data = bytes.TrimLeft(data, " \t\r\n"); len(data) > 0 && (data[0] == '{' || data[0] == '[') {
			return "jsonNode did not take a JSON object or array"
		}
		return ""
	}
	if msg := compareNodes(j, y, "$"); msg != "" {
		return msg
	}
	cj := &converter{budget: 1 << 30, maxDepth: 1 << 20}
	cy := &converter{budget: 1 << 30, maxDepth: 1 << 20}
	vj, ej := cj.convert(j, 0)
	vy, ey := cy.convert(y, 0)
	if fmt.Sprint(ej) != fmt.Sprint(ey) || cj.errLine != cy.errLine || !reflect.DeepEqual(vj, vy) {
		return fmt.Sprintf("converted: %v (%v at %d) vs YAML %v (%v at %d)", vj, ej, cj.errLine, vy, ey, cy.errLine)
	}
	return ""
}

func compareNodes(j, y *yaml.Node, at string) string {
	if j.Kind != y.Kind || j.Line != y.Line || j.Value != y.Value || j.ShortTag() != y.ShortTag() ||
		j.Style != y.Style || len(j.Content) != len(y.Content) {
		return fmt.Sprintf("at %s: JSON node {%v line %d %q %s style %v, %d children}, YAML {%v line %d %q %s style %v, %d children}", at,
			j.Kind, j.Line, j.Value, j.ShortTag(), j.Style, len(j.Content), y.Kind, y.Line, y.Value, y.ShortTag(), y.Style, len(y.Content))
	}
	for i := range j.Content {
		if msg := compareNodes(j.Content[i], y.Content[i], fmt.Sprintf("%s/%d", at, i)); msg != "" {
			return msg
		}
	}
	return ""
}
