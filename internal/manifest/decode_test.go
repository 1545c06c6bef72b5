package manifest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/internal/finding"
)

// lines joins ls with "\n" and ends the result with one, so that a case's
// line numbers can be read off its position in the list.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

type wantObj struct {
	kind, name string
	line, doc  int
}

type wantErr struct {
	line int
	msg  string // substring of the message
}

const file = "in.yaml"

func checkDecode(t *testing.T, in string, wantObjs []wantObj, wantErrs []wantErr) []*Object {
	t.Helper()
	objs, errs := Decode(file, []byte(in))
	var got []wantObj
	for _, o := range objs {
		if o.Source.File != file {
			t.Errorf("object %s/%s: Source.File = %q, want %q", o.Kind, o.Name, o.Source.File, file)
		}
		got = append(got, wantObj{o.Kind, o.Name, o.Source.Line, o.Source.Doc})
	}
	if !reflect.DeepEqual(got, wantObjs) {
		t.Errorf("objects (kind, name, line, doc):\n got %v\nwant %v", got, wantObjs)
	}
	if len(errs) != len(wantErrs) {
		t.Errorf("got %d errors, want %d:\n%s", len(errs), len(wantErrs), fmtErrs(errs))
		return objs
	}
	for i, e := range errs {
		w := wantErrs[i]
		if e.File != file || e.Line != w.line || !strings.Contains(e.Message, w.msg) {
			t.Errorf("error %d = %v\nwant %s:%d: ...%s...", i, e, file, w.line, w.msg)
		}
	}
	return objs
}

func fmtErrs(errs []finding.Error) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\t%v\n", e)
	}
	return b.String()
}

func cm(name string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + "}"
}

func TestDecode(t *testing.T) {
	longKey := strings.Repeat("k", 1100)
	tests := []struct {
		name string
		in   string
		objs []wantObj
		errs []wantErr
	}{
		{
			name: "unclosed flow in doc 2 of 3",
			in: lines(
				cm("a"), // 1-3
				"---",   // 4
				"apiVersion: v1",
				"kind: ConfigMap",
				"metadata: {name: [b", // 7
				"---",                 // 8
				cm("c"),               // 9-11
			),
			objs: []wantObj{{"ConfigMap", "a", 1, 0}, {"ConfigMap", "c", 9, 2}},
			errs: []wantErr{{7, "invalid YAML: did not find expected ',' or ']'"}},
		},
		{
			name: "bad indentation in doc 2 of 3",
			in: lines(
				cm("a"),
				"---",
				"apiVersion: v1", // 5
				"kind: ConfigMap",
				"metadata:",
				"  name: b",
				" labels: {}", // 9
				"---",
				cm("c"), // 11
			),
			objs: []wantObj{{"ConfigMap", "a", 1, 0}, {"ConfigMap", "c", 11, 2}},
			errs: []wantErr{{9, "invalid YAML: did not find expected key"}},
		},
		{
			name: "parser error on the first line of a later document",
			in:   lines(cm("a"), "---", "- a", "b: c", "---", cm("c")),
			objs: []wantObj{{"ConfigMap", "a", 1, 0}, {"ConfigMap", "c", 8, 2}},
			errs: []wantErr{{6, "invalid YAML: did not find expected '-' indicator"}},
		},
		{
			name: "mapping value in the wrong place",
			in:   lines(cm("a"), "---", "apiVersion: v1", "kind: ConfigMap: x", "---", cm("c")),
			objs: []wantObj{{"ConfigMap", "a", 1, 0}, {"ConfigMap", "c", 8, 2}},
			errs: []wantErr{{6, "invalid YAML: mapping values are not allowed in this context"}},
		},
		{
			name: "errors at the end of a document name its last line",
			in: lines(
				cm("a"),
				"---",
				"{", // 5
				"---",
				"apiVersion: v1",
				"kind: ConfigMap",
				"data: 'unterminated", // 9
				"", "",
				"---",
				"apiVersion: v1",
				"kind: ConfigMap",
				"data: {a: [b, c],", // 15
				"  d: e",
				"",
				"...",
				"[a, b", // 19
			),
			objs: []wantObj{{"ConfigMap", "a", 1, 0}},
			errs: []wantErr{
				{5, "invalid YAML: did not find expected node content"},
				{9, "invalid YAML: found unexpected end of stream"},
				{15, "invalid YAML: did not find expected ',' or '}'"},
				{19, "invalid YAML: did not find expected ',' or ']'"},
			},
		},
		{
			name: "unknown anchor",
			in:   lines(cm("a"), "---", "apiVersion: v1", "kind: ConfigMap", "data: *nope"),
			objs: []wantObj{{"ConfigMap", "a", 1, 0}},
			errs: []wantErr{{5, "invalid YAML: unknown anchor 'nope' referenced"}},
		},
		{
			name: "tab in indentation",
			in: lines(
				"apiVersion: v1",
				"kind: ConfigMap",
				"metadata:",
				"\tname: a", // 4
				"---",
				cm("b"), // 6
			),
			objs: []wantObj{{"ConfigMap", "b", 6, 1}},
			errs: []wantErr{{4, "invalid YAML: found character that cannot start any token"}},
		},
		{
			name: "duplicate key names the key and the first line in the file",
			in: lines(
				cm("a"),
				"---",
				"apiVersion: v1", // 5
				"kind: ConfigMap",
				"metadata:",
				"  name: b", // 8
				"  labels: {app: x}",
				"  name: c", // 10
				"---",
				cm("c"), // 12
			),
			objs: []wantObj{{"ConfigMap", "a", 1, 0}, {"ConfigMap", "c", 12, 2}},
			errs: []wantErr{{10, `duplicate key "name" (first defined on line 8)`}},
		},
		{
			name: "duplicate key in a flow mapping and in JSON",
			in: lines(
				"apiVersion: v1",
				"kind: ConfigMap",
				"data: {a: 1, b: 2,",
				"  a: 3}", // 4
				"---",
				`{"apiVersion": "v1",`, // 6
				` "kind": "ConfigMap",`,
				` "kind": "Secret"}`, // 8
				"---",
				cm("c"), // 10
			),
			objs: []wantObj{{"ConfigMap", "c", 10, 2}},
			errs: []wantErr{
				{4, `duplicate key "a" (first defined on line 3)`},
				{8, `duplicate key "kind" (first defined on line 7)`},
			},
		},
		{
			name: "documents that are a list and scalars",
			in:   lines(cm("a"), "---", "- a", "- b", "---", "hello", "---", "42", "---", "'quoted'", "---", cm("b")),
			objs: []wantObj{{"ConfigMap", "a", 1, 0}, {"ConfigMap", "b", 14, 5}},
			errs: []wantErr{
				{5, "document is a list, not a Kubernetes object"},
				{8, "document is a string, not a Kubernetes object"},
				{10, "document is a scalar, not a Kubernetes object"},
				{12, "document is a string"},
			},
		},
		{
			name: "missing kind and missing apiVersion",
			in: lines(
				"apiVersion: v1", "metadata: {name: a}", // 1
				"---",
				"kind: ConfigMap", "metadata: {name: b}", // 4
				"---",
				"apiVersion: v1", "kind: ''", // 7
				"---",
				"apiVersion: 1", "kind: Secret", // 10: apiVersion not a string
				"---",
				cm("c"), // 13
			),
			objs: []wantObj{{"ConfigMap", "c", 13, 4}},
			errs: []wantErr{
				{1, "object has no kind (every Kubernetes object needs apiVersion and kind)"},
				{4, "ConfigMap has no apiVersion"},
				{7, "object has no kind"},
				{10, "Secret has no apiVersion"},
			},
		},
		{
			name: "metadata not a mapping",
			in: lines(
				"apiVersion: v1", "kind: ConfigMap", "metadata: [a]",
				"---",
				"apiVersion: v1", "kind: Secret", "metadata: name", // 5
				"---",
				"apiVersion: v1", "kind: Service", "metadata: ~", // 9: null metadata is no metadata
			),
			objs: []wantObj{{"Service", "", 9, 2}},
			errs: []wantErr{
				{1, "ConfigMap: metadata must be a mapping"},
				{5, "Secret: metadata must be a mapping"},
			},
		},
		{
			name: "labels and annotations that are not strings",
			in: lines(
				"apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: a", "  labels: {app: 1, tier: x}",
				"---",
				"apiVersion: v1", "kind: ConfigMap", "metadata:", "  labels:", "    enabled: yes", // 7
				"---",
				"apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: c", "  annotations: [a]", // 13
				"---",
				"apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: d", "  labels: {b: [x], a: {y: z}}", // 19
				"---",
				"apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: e", `  labels: {ok: "yes", empty: ""}`, // 25
			),
			objs: []wantObj{{"ConfigMap", "e", 25, 4}},
			errs: []wantErr{
				{1, "ConfigMap a: metadata.labels[app] must be a string, got 1"},
				{7, "ConfigMap: metadata.labels[enabled] must be a string, got true"},
				{13, "ConfigMap c: metadata.annotations must be a mapping of strings"},
				// The first bad key in sorted order, whatever the map order.
				{19, "ConfigMap d: metadata.labels[a] must be a string"},
			},
		},
		{name: "empty input", in: ""},
		{name: "blank lines", in: "\n  \n\t\n"},
		{name: "comments only", in: lines("# a comment", "  # another")},
		{name: "lone start marker", in: "---"},
		{name: "start and end markers", in: lines("---", "---", "...", "---", "# c", "...")},
		{name: "explicit null documents", in: lines("~", "---", "null", "--- ~", "---")},
		{
			name: "markers around objects",
			in:   lines("---", cm("a"), "...", "---", "# c", cm("b"), "---"),
			objs: []wantObj{{"ConfigMap", "a", 2, 0}, {"ConfigMap", "b", 8, 1}},
		},
		{
			name: "end marker then a bare document",
			in:   lines(cm("a"), "...", cm("b"), "...", "", "---", "---", cm("c")),
			objs: []wantObj{{"ConfigMap", "a", 1, 0}, {"ConfigMap", "b", 5, 1}, {"ConfigMap", "c", 12, 3}},
		},
		{
			name: "content on the marker line",
			in: lines(
				"# header",
				"--- {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}", // 2
				"--- {apiVersion: v1, kind: ConfigMap,",                      // 3
				"  metadata: {name: w}}",
				"--- # comment",
				cm("z"),     // 6
				"--- !!map", // 9: the node starts at its tag
				cm("t"),
				`--- {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a\/b"}}`, // 13
			),
			objs: []wantObj{
				{"ConfigMap", "x", 2, 0}, {"ConfigMap", "w", 3, 1}, {"ConfigMap", "z", 6, 2},
				{"ConfigMap", "t", 9, 3}, {"Secret", "a/b", 13, 4},
			},
		},
		{
			name: "markers are only markers at column 0 and followed by a space",
			in:   lines("apiVersion: v1", "kind: ConfigMap", "data:", "  a: |", "    ---", "    ...", "  b: ---x", "---x: 1"),
			objs: []wantObj{{"ConfigMap", "", 1, 0}},
		},
		{
			name: "CRLF line endings",
			in: strings.ReplaceAll(lines(
				cm("a"),
				"---",
				"apiVersion: v1",
				"kind: ConfigMap",
				"metadata: {name: [b", // 7
				"---",
				"apiVersion: v1",
				"kind: ConfigMap", // 10
				"metadata:",
				"  name: c",
				"  name: d", // 13
				"---",
				cm("e"), // 15
			), "\n", "\r\n"),
			objs: []wantObj{{"ConfigMap", "a", 1, 0}, {"ConfigMap", "e", 15, 3}},
			errs: []wantErr{
				{7, "did not find expected ',' or ']'"},
				{13, `duplicate key "name" (first defined on line 12)`},
			},
		},
		{
			name: "UTF-8 byte order mark",
			in:   "\ufeff" + lines(cm("a"), "---", cm("b")),
			objs: []wantObj{{"ConfigMap", "a", 1, 0}, {"ConfigMap", "b", 5, 1}},
		},
		{
			name: "UTF-8 byte order mark before a start marker",
			in:   "\ufeff" + lines("---", cm("a"), "---", cm("b")),
			objs: []wantObj{{"ConfigMap", "a", 2, 0}, {"ConfigMap", "b", 6, 1}},
		},
		{
			name: "UTF-8 byte order mark before JSON",
			in:   "\ufeff" + lines(`{"apiVersion": "v1",`, `	"kind": "ConfigMap", "metadata": {"name": "a\/b"}}`),
			objs: []wantObj{{"ConfigMap", "a/b", 1, 0}},
		},
		{
			name: "kind: List item without kind",
			in: lines(
				"apiVersion: v1",
				"kind: List",
				"items:",
				"- apiVersion: v1", // 4
				"  kind: ConfigMap",
				"  metadata: {name: a}",
				"- apiVersion: v1", // 7
				"  metadata: {name: b}",
				"- apiVersion: v1", // 9
				"  kind: ConfigMap",
				"  metadata: {name: c}",
				"- [not, an, object]", // 12
				"---",
				"apiVersion: v1", // 14
				"kind: ConfigMapList",
				"items:",
				"- {apiVersion: v1, kind: ConfigMap, metadata: {name: d}}", // 17
				"- apiVersion: v1",
				"  kind: List",
				"  items:",
				"  - {apiVersion: v1, kind: ConfigMap, metadata: {name: e}}", // 21
				"  - {kind: ConfigMap, metadata: {name: f}}",                 // 22
			),
			objs: []wantObj{
				{"ConfigMap", "a", 4, 0}, {"ConfigMap", "c", 9, 0},
				{"ConfigMap", "d", 17, 1}, {"ConfigMap", "e", 21, 1},
			},
			errs: []wantErr{
				{7, "object has no kind"},
				{12, "document is a list"},
				{22, "ConfigMap has no apiVersion"},
			},
		},
		{
			name: "List items reached through an alias and a merge key",
			in: lines(
				"apiVersion: v1",
				"kind: List",
				"<<: {items: [{apiVersion: v1, kind: ConfigMap, metadata: {name: merged}}]}", // 3
				"---",
				"apiVersion: v1",
				"kind: List",
				"items: &i",
				"- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}", // 8
				"---",
				"anchors:",
				"  - &cm {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}", // 11
				"apiVersion: v1",
				"kind: List",
				"items:",
				"- *cm", // 15
			),
			objs: []wantObj{{"ConfigMap", "merged", 3, 0}, {"ConfigMap", "a", 8, 1}, {"ConfigMap", "b", 15, 2}},
		},
		{
			name: "a List whose items are not a list is an object",
			in:   lines("apiVersion: v1", "kind: List", "items: {}"),
			objs: []wantObj{{"List", "", 1, 0}},
		},
		{
			name: "JSON object",
			in: lines(
				"{",
				`  "apiVersion": "v1",`,
				`  "kind": "ConfigMap",`,
				`  "metadata": {"name": "j"}`,
				"}",
			),
			objs: []wantObj{{"ConfigMap", "j", 1, 0}},
		},
		{
			name: "JSON List with per-item lines",
			in: lines(
				`{"kind": "List", "apiVersion": "v1",`,
				` "items": [`,
				`  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}},`, // 3
				`  {`, // 4
				`    "apiVersion": "v1",`,
				`    "kind": "Secret",`,
				`    "metadata": {"name": "b"}`,
				`  },`,
				`  {"apiVersion": "v1", "metadata": {"name": "c"}},`,                     // 9
				`  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "d"}}`, // 10
				` ]}`,
			),
			objs: []wantObj{{"ConfigMap", "a", 3, 0}, {"Secret", "b", 4, 0}, {"ConfigMap", "d", 10, 0}},
			errs: []wantErr{{9, "object has no kind"}},
		},
		{
			name: "JSON indented with tabs",
			in: lines(
				"{",
				"\t\"kind\": \"List\",",
				"\t\"apiVersion\": \"v1\",",
				"\t\"items\": [",
				"\t\t{", // 5
				"\t\t\t\"apiVersion\": \"v1\",",
				"\t\t\t\"kind\": \"ConfigMap\",",
				"\t\t\t\"metadata\": {\"name\": \"a\"}",
				"\t\t},",
				"\t\t{\"apiVersion\":\t\"v1\",\t\"kind\"\t:\t\"Secret\",\t\"metadata\":{\"name\":\"b\"}}", // 10
				"\t]",
				"}",
			),
			objs: []wantObj{{"ConfigMap", "a", 5, 0}, {"Secret", "b", 10, 0}},
		},
		{
			name: "JSON that the YAML parser rejects",
			in: lines(
				`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "slash\/escape"}}`,
				"---",
				`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "surrogate-\ud83d\ude00"}}`, // 3
				"---",
				`{"apiVersion": "v1", "kind": "ConfigMap", "metadata"`, // 5
				`  : {"name": "key-and-colon-on-two-lines"}}`,
				"---",
				`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "long-key"},`, // 8
				`  "data": {"`+longKey+`": "v"}}`,
			),
			objs: []wantObj{
				{"ConfigMap", "slash/escape", 1, 0}, {"ConfigMap", "surrogate-😀", 3, 1},
				{"ConfigMap", "key-and-colon-on-two-lines", 5, 2}, {"ConfigMap", "long-key", 8, 3},
			},
		},
		{
			name: "YAML and JSON documents in one stream",
			in:   lines(cm("a"), "---", `{"apiVersion": "v1", "kind": "ConfigMap",`, ` "metadata": {"name": "b"}}`, "---", `[1, 2]`, "---", cm("c")),
			objs: []wantObj{{"ConfigMap", "a", 1, 0}, {"ConfigMap", "b", 5, 1}, {"ConfigMap", "c", 10, 3}},
			errs: []wantErr{{8, "document is a list"}},
		},
		{
			name: "invalid JSON is parsed (and reported) as YAML",
			in:   lines(cm("a"), "---", `{"apiVersion": "v1",`, `  "kind": "ConfigMap",,`, `}`, "---", cm("c")),
			objs: []wantObj{{"ConfigMap", "a", 1, 0}, {"ConfigMap", "c", 9, 2}},
			errs: []wantErr{{6, "invalid YAML"}},
		},
		{
			name: "invalid UTF-8 after the first 8 KiB",
			in:   lines(cm("a"), "---", "apiVersion: v1", "kind: ConfigMap", "data:", "  a: "+strings.Repeat("x", 9000)+"\xff", "---", cm("c")),
			objs: []wantObj{{"ConfigMap", "a", 1, 0}, {"ConfigMap", "c", 10, 2}},
			errs: []wantErr{{5, "invalid YAML: invalid leading UTF-8 octet"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkDecode(t, tc.in, tc.objs, tc.errs)
		})
	}
}

func TestDecodeContent(t *testing.T) {
	in := lines(
		"apiVersion: v1",
		"kind: Pod",
		"metadata:",
		"  name: p",
		"  labels: &labels",
		"    app: web",
		"    tier: front",
		"  annotations:",
		"    <<: *labels",
		"    tier: back",
		"    quoted: 'on'",
		"spec:",
		"  securityContext: &sc {runAsNonRoot: true, runAsUser: 1000}",
		"  containers:",
		"  - name: a",
		"    securityContext:",
		"      <<: [*sc, {runAsUser: 0, runAsGroup: 5}]",
		"      privileged: yes",
		"      allowPrivilegeEscalation: \"yes\"",
		"      readOnlyRootFilesystem: 'no'",
		"      y: y",
		"      n: n",
		"      on: On",
		"      off: OFF",
		"      t: True",
		"      f: false",
		"      s: !!str yes",
		"      tilde: ~",
		"      null: null",
		"      date: 2001-12-14",
		"  ints:",
		"    big: 12345678901234567890",
		"    huge: 99999999999999999999999",
		"    max: 9223372036854775807",
		"    min: -9223372036854775808",
		"    exact: 9007199254740993",
		"    hex: 0x1F",
		"    octal: 0o17",
		"    underscore: 1_000",
		"    exp: 1e3",
		"    float: 1.0",
		"    quoted: \"12\"",
		"    neg: -7",
	)
	objs := checkDecode(t, in, []wantObj{{"Pod", "p", 1, 0}}, nil)
	if len(objs) != 1 {
		return
	}
	o := objs[0]
	meta := o.Content["metadata"].(map[string]any)
	if want := map[string]any{"app": "web", "tier": "back", "quoted": "on"}; !reflect.DeepEqual(meta["annotations"], want) {
		t.Errorf("annotations with a merge key = %v, want %v", meta["annotations"], want)
	}
	if want := map[string]string{"app": "web", "tier": "back", "quoted": "on"}; !reflect.DeepEqual(o.Annotations, want) {
		t.Errorf("Annotations = %v, want %v", o.Annotations, want)
	}
	sc := o.Content["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["securityContext"]
	wantSC := map[string]any{
		// Merged: the first source wins over later ones, own keys over all.
		"runAsNonRoot": true, "runAsUser": int64(1000), "runAsGroup": int64(5),
		// YAML 1.1 booleans, as kubectl (sigs.k8s.io/yaml) reads them; quoted
		// or explicitly tagged scalars stay strings.
		"privileged": true, "allowPrivilegeEscalation": "yes", "readOnlyRootFilesystem": "no",
		"y": true, "n": false, "on": true, "off": false, "t": true, "f": false, "s": "yes",
		"tilde": nil, "null": nil, "date": "2001-12-14",
	}
	if !reflect.DeepEqual(sc, wantSC) {
		t.Errorf("securityContext =\n %#v\nwant\n %#v", sc, wantSC)
	}
	ints := o.Content["spec"].(map[string]any)["ints"]
	wantInts := map[string]any{
		"big": 1.2345678901234567e19, "huge": 1e23,
		"max": int64(9223372036854775807), "min": int64(-9223372036854775808),
		"exact": int64(9007199254740993), "hex": int64(31), "octal": int64(15),
		"underscore": int64(1000), "exp": 1000.0, "float": 1.0, "quoted": "12", "neg": int64(-7),
	}
	if !reflect.DeepEqual(ints, wantInts) {
		t.Errorf("ints =\n %#v\nwant\n %#v", ints, wantInts)
	}
}

// TestDecodeJSONMatchesYAML checks that the JSON path builds what the YAML
// parser builds for JSON it accepts: the same values and the same lines.
func TestDecodeJSONMatchesYAML(t *testing.T) {
	for _, in := range []string{
		`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "labels": {"x": "yes"}},
  "data": {"n": 1, "f": 1.5, "e": 1e3, "big": 12345678901234567890, "huge": 1e400, "neg": -0,
    "t": true, "no": false, "z": null, "s": "a\"b\\c\n\u00e9", "empty": {}, "list": [[], [1, "2", {"a": null}]]}}`,
		"[\n  1,\n  {\"a\":\n    [true]\n  }\n]\n",
		"\n\n  {\"a\": \"<<\", \"<<\": {\"b\": 1}}",
	} {
		ynodes, err := yamlParse([]byte(in))
		if err != nil {
			t.Fatalf("YAML parser rejects %q: %v", in, err)
		}
		if msg := compareJSONPath([]byte(in), ynodes); msg != "" {
			t.Errorf("%q: %s", in, msg)
		}
	}
}

func TestDecodeBinary(t *testing.T) {
	rng := rand.New(rand.NewChaCha8([32]byte{1}))
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}
	garbage[100] = 0
	noNUL := make([]byte, 4096)
	for i := range noNUL {
		noNUL[i] = byte(0x80 + rng.UintN(0x80)) // continuation and lead bytes only
	}
	for _, tc := range []struct {
		name string
		in   []byte
		msg  string
	}{
		{"random bytes with NUL", garbage, "binary file (contains NUL bytes), not YAML or JSON"},
		{"NUL after valid YAML", []byte(lines(cm("a"), "---", cm("b")) + "\x00"), "binary file"},
		{"invalid UTF-8 without NUL", noNUL, "not valid UTF-8 text, not YAML or JSON"},
		{"Latin-1 text", []byte(lines(cm("caf\xe9"))), "not valid UTF-8"},
		{"UTF-16 with BOM", []byte("\xff\xfea\x00p\x00i\x00"), "binary file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkDecode(t, string(tc.in), nil, []wantErr{{1, tc.msg}})
		})
	}
}

// billionLaughs builds levels anchors, each a list of 10 aliases of the
// previous one: 10^levels values once expanded.
func billionLaughs(levels int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n")
	b.WriteString(`  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "  %c: &%c [", 'a'+i, 'a'+i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "*%c", 'a'+i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// measure runs fn and returns how long it took and how many bytes it
// allocated.
func measure(fn func()) (time.Duration, uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	fn()
	d := time.Since(start)
	runtime.ReadMemStats(&after)
	return d, after.TotalAlloc - before.TotalAlloc
}

func TestDecodeAliasBomb(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
	}{
		{"billion laughs", billionLaughs(9)},
		{"merge keys", "apiVersion: v1\nkind: ConfigMap\ndata:\n" +
			"  a: &a {a0: 1, a1: 1, a2: 1, a3: 1, a4: 1, a5: 1, a6: 1, a7: 1, a8: 1, a9: 1}\n" +
			"  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
			"  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
			"  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
			"  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n" +
			"  f: &f {<<: [*a, *a, *a, *a, *a, *a, *a, *a], x: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]}\n" +
			"  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"},
		{"self reference", "apiVersion: v1\nkind: ConfigMap\ndata: &d {a: *d}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := lines(cm("before"), "---", tc.doc+"---", cm("after"))
			first := 5
			last := first + strings.Count(tc.doc, "\n") - 1
			var (
				objs []*Object
				errs []finding.Error
			)
			took, alloc := measure(func() { objs, errs = Decode(file, []byte(in)) })
			if len(objs) != 2 || objs[0].Name != "before" || objs[1].Name != "after" {
				t.Errorf("objects: got %d, want before and after", len(objs))
			}
			// The line is where the expansion budget ran out, somewhere in
			// the bomb: it depends on the budget, so only its range is fixed.
			if len(errs) != 1 || errs[0].Line < first || errs[0].Line > last {
				t.Fatalf("errors:\n%swant one error on lines %d-%d", fmtErrs(errs), first, last)
			}
			if msg := errs[0].Message; !strings.Contains(msg, "document expands to too many values (YAML alias bomb?)") &&
				!strings.Contains(msg, "nesting deeper than 200 levels") {
				t.Errorf("message = %q", msg)
			}
			if took > 2*time.Second || alloc > 64<<20 {
				t.Errorf("took %v and allocated %d MiB, want under 2s and 64 MiB", took, alloc>>20)
			}
		})
	}
}

func TestDecodeDeepNesting(t *testing.T) {
	const depth = 10000
	var block strings.Builder
	for i := 0; i < depth; i++ {
		block.WriteString(strings.Repeat(" ", i))
		block.WriteString("a:\n")
	}
	for _, tc := range []struct {
		name string
		doc  string
		line int // of the error, relative to the document
		msg  string
	}{
		{"flow sequences", strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n", 1, "nesting deeper than 200 levels"},
		{"flow mappings", strings.Repeat("{a: ", depth) + strings.Repeat("}", depth) + "\n", 1, "nesting deeper than 200 levels"},
		{"JSON", strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth) + "\n", 1, "nesting deeper than 200 levels"},
		{"block sequences", strings.Repeat("- ", depth) + "x\n", 1, "nesting deeper than 200 levels"},
		// Mapping 201 holds the one nested too deep, on line 202.
		{"block mappings", block.String(), 202, "nesting deeper than 200 levels"},
		{"beyond the parser's own limit", strings.Repeat("[", 2*depth) + "\n", 1, "exceeded max depth of 10000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := lines(cm("before"), "---", tc.doc+"---", cm("after"))
			var objs []*Object
			took, alloc := measure(func() {
				objs = checkDecode(t, in,
					[]wantObj{{"ConfigMap", "before", 1, 0}, {"ConfigMap", "after", 6 + strings.Count(tc.doc, "\n"), 2}},
					[]wantErr{{4 + tc.line, tc.msg}})
			})
			if limit := 50*time.Millisecond + time.Duration(len(tc.doc))*200*time.Nanosecond; took > limit*5 {
				t.Errorf("took %v for %d bytes", took, len(tc.doc))
			}
			if limit := uint64(64<<20 + 4*len(tc.doc)); alloc > limit {
				t.Errorf("allocated %d MiB for %d bytes", alloc>>20, len(tc.doc))
			}
			_ = objs
		})
	}
}

func TestDecodeLimits(t *testing.T) {
	doc := lines("apiVersion: v1", "kind: ConfigMap", "data:", "  a: {b: {c: [d]}}")
	// The scalar d is at depth 5: object 0, data 1, a 2, b 3, c 4.
	if _, errs := DecodeWithLimits(file, []byte(doc), Limits{MaxDepth: 4, MaxNodesPerByte: 2}); len(errs) != 1 ||
		errs[0].Line != 4 || !strings.Contains(errs[0].Message, "nesting deeper than 4 levels") {
		t.Errorf("MaxDepth 4: errors %v", errs)
	}
	if objs, errs := DecodeWithLimits(file, []byte(doc), Limits{MaxDepth: 5, MaxNodesPerByte: 2}); len(objs) != 1 || len(errs) != 0 {
		t.Errorf("MaxDepth 5: %d objects, errors %v", len(objs), errs)
	}
	// A tiny expansion budget: 10000 values plus MaxNodesPerByte per byte.
	bomb := billionLaughs(5) // 10^5 values
	if _, errs := DecodeWithLimits(file, []byte(bomb), Limits{MaxDepth: 200, MaxNodesPerByte: 1}); len(errs) != 1 ||
		!strings.Contains(errs[0].Message, "alias bomb") {
		t.Errorf("MaxNodesPerByte 1: errors %v", errs)
	}
	if objs, errs := DecodeWithLimits(file, []byte(bomb), Limits{MaxDepth: 200, MaxNodesPerByte: 1000}); len(objs) != 1 || len(errs) != 0 {
		t.Errorf("MaxNodesPerByte 1000: %d objects, errors %v", len(objs), errs)
	}
	if objs, errs := DecodeWithLimits(file, []byte(doc), Limits{}); len(objs) != 1 || len(errs) != 0 {
		t.Errorf("zero Limits (defaults): %d objects, errors %v", len(objs), errs)
	}
}

func TestObjectLine(t *testing.T) {
	in := lines(
		"# leading comment", // 1
		"---",
		"apiVersion: v1", // 3
		"kind: Pod",
		"metadata:", // 5
		"  name: web",
		"  annotations:", // 7
		"    container.apparmor.security.beta.kubernetes.io/app: unconfined", // 8
		`    example.com/x: "y"`,
		"spec:", // 10
		"  securityContext: &psc",
		"    runAsNonRoot: true", // 12
		"  containers:",          // 13
		"  - name: app",          // 14
		"    image: nginx",
		"    securityContext:", // 16
		"      privileged: true",
		"      capabilities:",
		"        add: [NET_ADMIN,", // 19
		"          SYS_ADMIN]",     // 20
		"  - name: side",           // 21
		"    image: busybox",
		"    securityContext:", // 23
		"      <<: *psc",
		"      allowPrivilegeEscalation: false", // 25
		"    env: &env",                         // 26
		"    - {name: A, value: b}",             // 27
		"  initContainers:",
		"  - name: init", // 29
		"    env: *env",  // 30
	)
	objs := checkDecode(t, in, []wantObj{{"Pod", "web", 3, 0}}, nil)
	if len(objs) != 1 {
		return
	}
	o := objs[0]
	for _, tc := range []struct {
		path string
		line int
		has  bool
	}{
		{"", 3, true},
		{"kind", 4, true},
		{"metadata", 5, true},
		{"metadata.name", 6, true},
		{"metadata.annotations", 7, true},
		{"metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]", 8, true},
		{"metadata.annotations[example.com/x]", 9, true},
		{"metadata.annotations[missing.example.com/key]", 7, false},
		{"metadata.labels.app", 5, false},
		{"spec.containers", 13, true},
		{"spec.containers[0]", 14, true},
		{"spec.containers[0].name", 14, true},
		{"spec.containers[0].securityContext.privileged", 17, true},
		{"spec.containers[0].securityContext.capabilities.add[0]", 19, true},
		{"spec.containers[0].securityContext.capabilities.add[1]", 20, true},
		{"spec.containers[0].securityContext.capabilities.add[2]", 19, false},
		{"spec.containers[0].securityContext.runAsUser", 16, false},
		{"spec.containers[0].securityContext.privileged.extra", 17, false},
		{"spec.containers[1].name", 21, true},
		// Through a merge key: the line of the key where it is written.
		{"spec.containers[1].securityContext.runAsNonRoot", 12, true},
		{"spec.containers[1].securityContext.allowPrivilegeEscalation", 25, true},
		{"spec.containers[1].env[0].name", 27, true},
		// Through an alias: the key naming it, then the anchored content.
		{"spec.initContainers[0].env", 30, true},
		{"spec.initContainers[0].env[0].value", 27, true},
		{"spec.containers[2].name", 13, false},
		{"spec.containers[-1]", 13, false},
		{"spec.containers[x]", 13, false},
		{"spec.containers.name", 13, false},
		{"spec.hostNetwork", 10, false},
		{"status.phase", 3, false},
		{"spec.containers[0", 14, true}, // an unterminated bracket takes the rest
	} {
		if got := o.Line(tc.path); got != tc.line {
			t.Errorf("Line(%q) = %d, want %d", tc.path, got, tc.line)
		}
		if got := o.Has(tc.path); got != tc.has {
			t.Errorf("Has(%q) = %v, want %v", tc.path, got, tc.has)
		}
	}
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"", []string{"apiVersion", "kind", "metadata", "spec"}},
		{"metadata.annotations", []string{"container.apparmor.security.beta.kubernetes.io/app", "example.com/x"}},
		// Own keys first, then merged ones, as decoded.
		{"spec.containers[1].securityContext", []string{"allowPrivilegeEscalation", "runAsNonRoot"}},
		{"spec.containers[0].image", nil},
		{"spec.containers", nil},
		{"spec.missing", nil},
	} {
		if got := o.Keys(tc.path); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Keys(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
	o.Release()
	if o.Line("metadata.name") != 3 || o.Has("metadata") || o.Keys("") != nil || o.Name != "web" {
		t.Errorf("after Release: Line %d, Has %v, Keys %v, Name %q", o.Line("metadata.name"), o.Has("metadata"), o.Keys(""), o.Name)
	}
}

func TestObjectLineJSONAndCRLF(t *testing.T) {
	for name, in := range map[string]string{
		"JSON": lines(
			cm("first"), // 1-3
			"---",
			"{",
			`  "apiVersion": "apps/v1",`,
			`  "kind": "Deployment",`,
			`  "metadata": {`,
			`    "name": "d",`, // 9
			`    "annotations": {"a.b/c": "x"}`,
			`  },`,
			`  "spec": {"template": {"spec": {"containers": [`,
			`    {"name": "a"},`, // 13
			"\t{",
			"\t\t\"name\": \"b\",",
			"\t\t\"securityContext\": {\"privileged\": true}", // 16
			"\t}",
			`  ]}}}`,
			`}`,
		),
		"CRLF": strings.ReplaceAll(lines(
			cm("first"),
			"---",
			"",
			"apiVersion: apps/v1",
			"kind: Deployment",
			"metadata:",
			"  name: d", // 9
			"  annotations: {a.b/c: x}",
			"spec:",
			"  template: {spec: {containers: [",
			"    {name: a},", // 13
			"    {",
			"      name: b,",
			"      securityContext: {privileged: true}", // 16
			"    }",
			"  ]}}",
		), "\n", "\r\n"),
	} {
		t.Run(name, func(t *testing.T) {
			objs, errs := Decode(file, []byte(in))
			if len(objs) != 2 || len(errs) != 0 {
				t.Fatalf("%d objects, errors %v", len(objs), errs)
			}
			o := objs[1]
			for path, want := range map[string]int{
				"metadata.name":                                               9,
				"metadata.annotations[a.b/c]":                                 10,
				"spec.template.spec.containers[0].name":                       13,
				"spec.template.spec.containers[1].securityContext.privileged": 16,
				"spec.template.spec.containers[1].securityContext.runAsUser":  16,
			} {
				if got := o.Line(path); got != want {
					t.Errorf("Line(%q) = %d, want %d", path, got, want)
				}
			}
		})
	}
}

func TestDecodeDocIndex(t *testing.T) {
	for _, tc := range []struct {
		in   string
		docs []int
	}{
		{lines(cm("a"), "---", cm("b")), []int{0, 1}},
		{lines("---", cm("a"), "---", cm("b")), []int{0, 1}},
		{lines("# header", "", "---", cm("a")), []int{0}},
		{lines("---", "---", cm("a")), []int{1}}, // an empty document first
		{lines(cm("a"), "...", "---", cm("b")), []int{0, 1}},
		{lines(cm("a"), "...", "# c", "---", cm("b")), []int{0, 1}},
		{lines(cm("a"), "...", cm("b")), []int{0, 1}},
		{lines(cm("a"), "---", "---", cm("b")), []int{0, 2}},
		{lines("apiVersion: v1", "kind: List", "items: [{apiVersion: v1, kind: A}, {apiVersion: v1, kind: B}]", "---", cm("c")), []int{0, 0, 1}},
	} {
		objs, errs := Decode(file, []byte(tc.in))
		var got []int
		for _, o := range objs {
			got = append(got, o.Source.Doc)
		}
		if len(errs) != 0 || !reflect.DeepEqual(got, tc.docs) {
			t.Errorf("%q: docs %v (errors %v), want %v", tc.in, got, errs, tc.docs)
		}
	}
}

func TestNewObject(t *testing.T) {
	src := Source{File: "-", Line: 0, Origin: "api"}
	o, err := NewObject(map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{
		"generateName": "web-", "namespace": "ns", "labels": map[string]any{"a": "b"},
	}}, src)
	if err != nil || o.Name != "web-" || o.Namespace != "ns" || o.Labels["a"] != "b" || o.Source != src {
		t.Fatalf("NewObject = %+v, %v", o, err)
	}
	if o.Line("metadata.name") != 0 {
		t.Errorf("an object without positions has no lines")
	}
	// Field presence comes from the content instead, so locators still
	// name the exact field for objects read from an API server.
	if !o.Has("metadata.labels.a") || o.Has("metadata.name") || !reflect.DeepEqual(o.Keys("metadata"), []string{"generateName", "labels", "namespace"}) {
		t.Errorf("presence from content: Has=%v Keys=%v", o.Has("metadata.labels.a"), o.Keys("metadata"))
	}
	if _, err := NewObject(map[string]any{"kind": "Pod"}, src); err == nil || !strings.Contains(err.Error(), "Pod has no apiVersion") {
		t.Errorf("missing apiVersion: %v", err)
	}
}

// The objects of one document share its node slab, which goes back for
// reuse only when the last of them is released: an object still held
// keeps its positions however many documents are decoded and released
// meanwhile, and releasing twice gives nothing back twice.
func TestNodeSlabReuse(t *testing.T) {
	list := "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  data:\n    k: v\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n  data:\n    k: v\n"
	objs, errs := Decode("list.yaml", []byte(list))
	if len(errs) > 0 || len(objs) != 2 || objs[0].slab == nil || objs[0].slab != objs[1].slab {
		t.Fatalf("objects %d, errors %v: want two sharing one slab", len(objs), errs)
	}
	slab := objs[0].slab
	objs[0].Release()
	objs[0].Release()
	if got := slab.refs.Load(); got != 1 {
		t.Fatalf("refs after releasing one object twice = %d, want 1", got)
	}
	for i := range 200 {
		other := fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c%d\n  labels: {x: y}\ndata:\n  a: b\n  c: d\n", i)
		os, _ := Decode("other.yaml", []byte(other))
		for _, o := range os {
			o.Release()
		}
	}
	if line := objs[1].Line("data.k"); line != 15 {
		t.Errorf("line of items[1].data.k = %d after other documents reused slabs, want 15", line)
	}
	objs[1].ReleasePositions()
	if got := slab.refs.Load(); got != 0 {
		t.Errorf("refs = %d after every object was released, want 0", got)
	}
}
