package manifest

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// diffNodes describes the first difference between two trees in what this
// package reads (comments are not compared: fastParse drops them), or "".
func diffNodes(path string, a, b *yaml.Node) string {
	switch {
	case a == nil || b == nil:
		if a != b {
			return fmt.Sprintf("%s: nil node (%v vs %v)", path, a == nil, b == nil)
		}
		return ""
	case a.Kind != b.Kind || a.Tag != b.Tag || a.Value != b.Value || a.Style != b.Style ||
		a.Line != b.Line || a.Column != b.Column || a.Anchor != b.Anchor || (a.Alias == nil) != (b.Alias == nil):
		return fmt.Sprintf("%s:\n fast %s\n yaml %s", path, showNode(a), showNode(b))
	case len(a.Content) != len(b.Content):
		return fmt.Sprintf("%s: %d children, yaml.v3 has %d", path, len(a.Content), len(b.Content))
	}
	for i := range a.Content {
		if d := diffNodes(fmt.Sprintf("%s/%d", path, i), a.Content[i], b.Content[i]); d != "" {
			return d
		}
	}
	return ""
}

func showNode(n *yaml.Node) string {
	return fmt.Sprintf("kind=%d tag=%q value=%q style=%d at %d:%d anchor=%q", n.Kind, n.Tag, n.Value, n.Style, n.Line, n.Column, n.Anchor)
}

// checkFast reports whether fastParse took data, and fails t if it did and
// yaml.v3 disagrees.
func checkFast(t testing.TB, name string, data []byte) bool {
	t.Helper()
	fast, ok := fastParse(data)
	if !ok {
		return false
	}
	var want yaml.Node
	if err := yaml.Unmarshal(data, &want); err != nil {
		t.Errorf("%s: fastParse accepted what yaml.v3 rejects (%v):\n%s", name, err, data)
		return true
	}
	if d := diffNodes("", fast, &want); d != "" {
		t.Errorf("%s: fastParse differs from yaml.v3 at %s\ninput:\n%s", name, d, data)
	}
	return true
}

// documentsOf splits data as Decode does and prepares each document as
// decodeDocument does before parsing it.
func documentsOf(data []byte) [][]byte {
	var out [][]byte
	for _, d := range splitDocuments(data) {
		if isBlank(d.data) {
			continue
		}
		b := bytes.TrimPrefix(d.data, bom)
		if isMarker(b, "---") {
			b = append([]byte("   "), b[3:]...)
		}
		if jsonNode(b) != nil {
			continue // never reaches fastParse
		}
		out = append(out, b)
	}
	return out
}

// corpus runs check on every document of every YAML file under dir (as
// decodeDocument would parse it) and returns how many documents there
// were and how many check took.
func corpus(t *testing.T, dir string, check func(name string, doc []byte) bool) (docs, taken int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, d := range documentsOf(data) {
			docs++
			if check(fmt.Sprintf("%s#%d", path, i), d) {
				taken++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return docs, taken
}

// fastCorpus runs checkFast on every document under dir.
func fastCorpus(t *testing.T, dir string) (docs, taken int) {
	return corpus(t, dir, func(name string, doc []byte) bool { return checkFast(t, name, doc) })
}

// TestFastYAMLMatchesYAMLv3 compares fastParse with yaml.v3 on real
// manifests: upstream's pod-security fixtures (always in the module cache),
// the shared corpus when present, and PALISADE_FASTYAML_CORPUS (e.g. the
// output of bench/gen-corpus.py) when set.
func TestFastYAMLMatchesYAMLv3(t *testing.T) {
	compareOnCorpora(t, "fastParse", fastCorpus)
}

// compareOnCorpora runs walk (one of the comparisons with the reference
// decoder) on upstream's pod-security fixtures, which must hold more than
// 1,000 documents of which at least 90% are taken, then on the shared
// corpus when present and on PALISADE_FASTYAML_CORPUS when set.
func compareOnCorpora(t *testing.T, what string, walk func(t *testing.T, dir string) (docs, taken int)) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/pod-security-admission").Output()
	if err != nil {
		t.Fatal(err)
	}
	docs, taken := walk(t, filepath.Join(strings.TrimSpace(string(out)), "test", "testdata"))
	if docs < 1000 {
		t.Fatalf("found only %d upstream fixture documents", docs)
	}
	t.Logf("upstream fixtures: %s took %d of %d documents (%.1f%%)", what, taken, docs, 100*float64(taken)/float64(docs))
	if taken*10 < docs*9 {
		t.Errorf("%s took only %d of %d upstream documents: the fast path is not being used", what, taken, docs)
	}
	for _, dir := range []string{"/work/shared/corpus", os.Getenv("PALISADE_FASTYAML_CORPUS")} {
		if dir == "" {
			continue
		}
		if _, err := os.Stat(dir); err != nil {
			t.Logf("%s: skipped (%v)", dir, err)
			continue
		}
		docs, taken := walk(t, dir)
		t.Logf("%s: %s took %d of %d documents (%.1f%%)", dir, what, taken, docs, 100*float64(taken)/max(1, float64(docs)))
	}
}

// fastSupported must be taken by fastParse and match yaml.v3.
var fastSupported = []string{
	"a: 1",
	"a:\nb: 1\n",
	"a:\n\n# c\n",
	"  # c\n\n  x: 1\n  y: 2\n",
	"   \napiVersion: v1\n", // a "---" blanked by decodeDocument
	"   \n  a: 1\n  b:\n  - x\n",
	"- a:\n- b",
	"-\n- x\n-",
	"- # c\n  a: 1\n-   b: 2\n    c: 3\n",
	"- - a\n  - b\n- c: d\n  e:\n  - f\n  g: h\n",
	"a:\n  b:\n# x\nc: 1",
	"a:\n- x\n- y: 1\n  z:\n  - 2\nb: [x, 'y', \"z\", 1, 1.5, true, null]\n",
	"a: {}\nb: []\nc: { }\nd: [ ]\ne: [ a , b ]\n",
	"a: {b: 1, 'c': [d, {e: f}], \"g\" : h i}\nb: [{containerPort: 80}, [], {}]\nc: [-1, .5, /x, a-b+c@d=e, null, 0x1]\n",
	"- {a: b}\n- [a]\n- - [{a: [{b: c}]}]\n",
	"ключ: значение\nk: - й\nl: [й]\n",
	"- 'it''s'\n- \"a\\\\b\\\"c\\nd\\te\"\n- ''\n- \"\"\n- 'a#b' # c\n",
	"'quoted key': 1\n\"dq key\" : 2\nplain key  : 3\n",
	"a: b #c\nd: e#f\ng: #h\ni: http://x:80/y?z=1\nj: a, b [c] {d}\n",
	"a: -1\nb: -x\nc: --\nd: ---\ne: ...\nf: a - b\n-g: 1\n",
	"n: ~\nn2: null\nn3: Null\nn4: NULL\nn5: nULL\n",
	"b1: true\nb2: True\nb3: TRUE\nb4: yes\nb5: on\nb6: tRUE\n",
	"i1: 0\ni2: 0x1F\ni3: 0o17\ni4: 0b101\ni5: -0b101\ni6: 1_000\ni7: 0777\ni8: +12\ni9: 99999999999999999999\ni10: 18446744073709551615\ni11: -0o7\n",
	"f1: 1.5\nf2: .5\nf3: 1e3\nf4: .inf\nf5: -.Inf\nf6: +.INF\nf7: .nan\nf8: 1.\nf9: 1_0.5\nf10: 0x1p3\nf11: .5e3\nf12: .\n",
	"t1: 2001-12-14\nt2: 2001-12-14T21:59:43.10Z\nt3: 2001-12-14 21:59:43.10\nt4: 2001-12-14t21:59:43Z\nt5: 2001-13-14\nt6: 12001-12-14\n",
	"s0: ::1\ns00: :a\ns1: 100m\ns2: 1Gi\ns3: 10.0.0.1\ns4: 1.2.3\ns5: 0.5Gi\ns6: 1:2\ns7: +\ns8: -.5\n",
	"x: ключ: 1\n", // fastParse must not take what yaml.v3 rejects
}

// fastFallback must be left to yaml.v3.
var fastFallback = []string{
	"", "# only a comment\n", "\n\n",
	"a: &x 1\nb: *x\n", "a: !!str 1\n", "a: !custom x\n", "!!map\na: 1\n",
	"a: |\n  x\n", "a: >-\n  x\n", "- |\n  x\n",
	"a: [b,\n  c]\n", "a: {b: c,\n  d: e}\n", "a: [b,]\n", "a: [b, , c]\n", "a: [b: c]\n", "a: {b}\n", "a: {b: }\n", "a: {b:c}\n",
	"a: {? b: c}\n", "a: {[b]: c}\n", "a: [b]c\n", "a: [b] c\n", "a: [b]#c\n", "a: [b #c]\n", "a: {b: c:d}\n", "a: [b, *c]\n", "a: [&b c]\n",
	"{a: 1}\n", "[a]\n", "[a]: b\n", "{a: b}: c\n",
	"a: b\n  c\n", "- b\n  c\n", "a: 'b\n  c'\n", "a: \"b\n  c\"\n",
	"%YAML 1.2\n---\na: 1\n", "a: 1\n---\nb: 2\n", "a: 1\n...\n",
	"a:\tb\n", "\ta: b\n", "a: b\r\n", "\ufeffa: b\n", "a: b\u0085c\n", "a: b\u2028\n", "a: \x01\n", "a: \x7f\n", "a: \xff\n",
	"? a\n: b\n", "<<: {a: 1}\n", "a: <<\n",
	"a: \"\\x41\"\n", "a: \"\\u0041\"\n", "a: \"\\/\"\n", "a: \"b\\\n  c\"\n",
	"a: b: c\n", "a: 'b' c\n", "a: 'b'#c\n", "a\n", "'a'\n", "a: - b\n", "a: -\n", "- a\n  b: 1\n",
	"a:\n  b: 1\n c: 2\n", "a: 1\n  b: 2\n", "a: 1\n- b\n", "- a\nb: 1\n", "  a: 1\nb: 2\n",
	"a: @b\n", "a: `b`\n", "a: %b\n", "a: ?b\n", "a: : b\n", "a: ,b\n", "a: ]\n", "a: }\n",
	strings.Repeat("k", 1100) + ": v\n",
	strings.Repeat("- ", 1100) + "x\n",
}

func TestFastYAMLSubset(t *testing.T) {
	for _, s := range fastSupported {
		var n yaml.Node
		wantOK := yaml.Unmarshal([]byte(s), &n) == nil
		if got := checkFast(t, fmt.Sprintf("%q", s), []byte(s)); got != wantOK {
			t.Errorf("fastParse(%q) ok=%v, want %v", s, got, wantOK)
		}
	}
	for _, s := range fastFallback {
		if _, ok := fastParse([]byte(s)); ok {
			t.Errorf("fastParse(%q) took a document it should leave to yaml.v3", s)
		}
	}
}

// TestFastYAMLTags compares the tags of many number-, date- and
// keyword-like plain scalars with yaml.v3's resolution.
func TestFastYAMLTags(t *testing.T) {
	const alphabet = "0123456789+-._:eExXoObBfFaAiInNtTzZ~<yYlL "
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 50000; i++ {
		b := make([]byte, 1+r.Intn(10))
		for j := range b {
			b[j] = alphabet[r.Intn(len(alphabet))]
		}
		checkFast(t, "tag", append([]byte("- "), b...))
	}
	for _, s := range []string{"2001-12-14", "2001-12-14 21:59:43.10", "2001-12-14T21:59:43.10-05:00", "2001-12-14t21:59:43Z",
		"2001-12-14 21:59:43.10 -5", "0b", "-0b1", "0o", "-0o17", "0x", "0X1f", "1e", "1e+3", "+1_2", "9223372036854775808", "-9223372036854775809"} {
		checkFast(t, "tag", []byte("- "+s))
	}
}

// fastAtoms are the pieces TestFastYAMLGenerated builds lines from: edge
// cases of scalars, flow collections and indicators.
var fastAtoms = []string{
	"a", "b c", "-x", "-", "--", "---", "...", "1", "-1", "+1", "0x1f", "0o7", "0b1", "-0b1", "1_0", "1.5", ".5", "1e3", ".", ".inf", "-.inf", ".nan",
	"true", "tRue", "yes", "null", "~", "<<", "2001-12-14", "2001-12-14 21:59:43.10", "'q'", "'it''s'", "\"d\"", "\"a\\\"b\"", "\"a\\nb\"",
	"\"\\x41\"", "''", "'a", "\"a", "'a'b", "'a' #c", "a:b", "a: b", "a :b", "a #c", "a#c", "::1", ":a", "?a", "? a", "!a", "&a", "*a", "|", ">",
	"%a", "@a", "[a, b]", "[]", "{}", "[a,]", "[a b]", "[a:b]", "[\"a\", 'b']", "[a, [b]]", "{a: b}", "{a: [b, {c: d e}]}", "[-a, -1, .5]",
	"{\"a\": b}", "{a :b}", "{a: b, }", "[a@b, c=d, e+f]", "{a: -b}", "{/: a}", "[a] #b", "{a: b}#c", "й", "ключ значение", "a\u00a0", "a ,b",
	"a]", "a[0]", "# c", "#c", "", " ", "k" + strings.Repeat("x", 1030),
}

// TestFastYAMLGenerated compares fastParse with yaml.v3 on random
// documents of random lines: indentation, "- " prefixes, keys, atoms.
func TestFastYAMLGenerated(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	atom := func() string { return fastAtoms[r.Intn(len(fastAtoms))] }
	n := 200000
	if testing.Short() {
		n = 20000
	}
	for i := 0; i < n && !t.Failed(); i++ {
		var b strings.Builder
		for l := r.Intn(8); l >= 0; l-- {
			b.WriteString(strings.Repeat(" ", r.Intn(4)*(1+r.Intn(3))))
			for r.Intn(3) == 0 {
				b.WriteString("-" + strings.Repeat(" ", 1+r.Intn(2)*r.Intn(3)))
			}
			switch r.Intn(8) {
			case 0:
				b.WriteString(atom())
			case 1:
				b.WriteString("-")
			case 2:
			default:
				k := atom()
				if r.Intn(2) == 0 {
					k = fmt.Sprint("k", r.Intn(3))
				}
				b.WriteString(k + strings.Repeat(" ", r.Intn(2)*r.Intn(3)) + ":")
				if r.Intn(3) > 0 {
					b.WriteString(strings.Repeat(" ", 1+r.Intn(2)) + atom())
				}
			}
			if l > 0 || r.Intn(2) == 0 {
				b.WriteString("\n")
			}
		}
		checkFast(t, "generated", []byte(b.String()))
	}
}

// FuzzFastYAML: whatever fastParse takes, yaml.v3 parses to the same tree.
// Inputs that once failed live in testdata/fuzz/FuzzFastYAML.
func FuzzFastYAML(f *testing.F) {
	for _, s := range append(append([]string{}, fastSupported...), fastFallback...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFast(t, "input", data)
	})
}
