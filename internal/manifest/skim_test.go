package manifest

import (
	"maps"
	"math/rand"
	"strings"
	"testing"
)

// podMetaOf mirrors workload.Prefixes for the kinds of the test inputs
// (manifest cannot import workload).
func podMetaOf(kind string) []string {
	switch kind {
	case "Pod":
		return []string{"metadata"}
	case "CronJob":
		return []string{"spec", "jobTemplate", "spec", "template", "metadata"}
	}
	return []string{"spec", "template", "metadata"}
}

// checkSkim holds skimDocument to the full decoder on one document: what it
// reads must be what decoding reads. strict also requires the document to
// decode (a generated document may break YAML off the skimmed paths, which
// only the full pass sees; see SkimKinds). It reports whether the skim
// took the document.
func checkSkim(t *testing.T, name string, doc []byte, strict bool) bool {
	t.Helper()
	kind := GuessKind(doc)
	if kind == "" {
		return false
	}
	s, ok := skimDocument(doc, podMetaOf(kind))
	if !ok {
		return false
	}
	objs, errs := decodeDocument(name, 0, document{data: doc, line: 1}, DefaultLimits)
	if len(errs) > 0 || len(objs) != 1 {
		if strict {
			t.Errorf("%s: skimmed as %+v but decoding gives %d objects, errors %v\n%s", name, s, len(objs), errs, doc)
		}
		return true
	}
	o := objs[0]
	want := Skim{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace}
	cur := o.Content
	for _, k := range podMetaOf(kind) {
		cur, _ = cur[k].(map[string]any)
	}
	if ls, ok := cur["labels"].(map[string]any); ok {
		want.PodLabels = map[string]string{}
		for k, v := range ls {
			s, ok := v.(string)
			if !ok {
				t.Errorf("%s: skim took label %s=%v, which is no string", name, k, v)
			}
			want.PodLabels[k] = s
		}
	}
	if s.APIVersion != want.APIVersion || s.Kind != want.Kind || s.Namespace != want.Namespace ||
		!maps.Equal(s.PodLabels, want.PodLabels) || (s.PodLabels == nil) != (want.PodLabels == nil) && len(want.PodLabels) > 0 {
		t.Errorf("%s: skim %+v, decode %+v\n%s", name, s, want, doc)
	}
	return true
}

// skimCorpus runs checkSkim on every document under dir. Real files may
// be broken anywhere; only agreement on what both read is required of
// them.
func skimCorpus(t *testing.T, dir string) (docs, taken int) {
	return corpus(t, dir, func(name string, doc []byte) bool { return checkSkim(t, name, doc, false) })
}

// TestSkimMatchesDecode compares the skim with the decoder on upstream's
// pod-security fixtures, the shared corpus when present and
// PALISADE_FASTYAML_CORPUS when set.
func TestSkimMatchesDecode(t *testing.T) {
	compareOnCorpora(t, "the skim", skimCorpus)
}

func TestSkimCases(t *testing.T) {
	const deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: ns\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n        'it''s': x # c\n    spec:\n      containers:\n      - name: c\n        image: x\n"
	takes := map[string]Skim{
		deploy: {APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", PodLabels: map[string]string{"app": "web", "it's": "x"}},
		"kind: Pod\napiVersion: v1\nmetadata:\n  labels: {}\n":                                                                          {APIVersion: "v1", Kind: "Pod"},
		"kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    env:\n    - {name: x, value: 'y'}\n":                         {APIVersion: "v1", Kind: "Pod"},
		"kind: Pod\napiVersion: v1\nmetadata:\n  annotations:\n    a: |\n      metadata:\n        namespace: no\n  namespace: yes-ns\n": {APIVersion: "v1", Kind: "Pod", Namespace: "yes-ns"},
	}
	for doc, want := range takes {
		got, ok := skimDocument([]byte(doc), podMetaOf(GuessKind([]byte(doc))))
		if !ok || got.APIVersion != want.APIVersion || got.Kind != want.Kind || got.Namespace != want.Namespace || !maps.Equal(got.PodLabels, want.PodLabels) {
			t.Errorf("skim(%q) = %+v, %v; want %+v", doc, got, ok, want)
		}
		checkSkim(t, "case", []byte(doc), true)
	}
	// Each must be left to the decoder: the skim cannot read it for sure.
	leaves := []string{
		"{\"kind\": \"Pod\", \"apiVersion\": \"v1\"}",
		"kind: Pod\napiVersion: v1\nmetadata:\n  namespace: \"a\\tb\"\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n  namespace: 12\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n  namespace: true\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n  namespace: &a x\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n  namespace: a\n    b\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n  namespace: a\n  namespace: b\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n  name: \"x\n  namespace: y\"\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n  name: [x,\n  namespace: y]\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n    name: x\n  namespace: y\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n  labels: {a: b}\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n  labels:\n    a: |\n      b\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n  labels:\n    \"a\": b\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n  labels:\n    a: b\n      c: d\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n  <<: *x\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n- a\n",
		"kind: Pod\napiVersion: v1\nmetadata: !!map\n  a: b\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n\tnamespace: x\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n  namespace: 'x'y\n",
		"kind: Pod\napiVersion: v1\nmetadata:\n  namespace: 'x'#y\n",
		"kind: Pod\n",
		"- kind: Pod\n",
		"%YAML 1.1\n---\nkind: Pod\napiVersion: v1\n",
		"\ufeffmetadata:\n  namespace: x\nkind: Pod\napiVersion: v1\n",
	}
	for _, doc := range leaves {
		if k := GuessKind([]byte(doc)); k != "" {
			if got, ok := skimDocument([]byte(doc), podMetaOf(k)); ok {
				t.Errorf("skim took %q as %+v", doc, got)
			}
		}
	}
}

// skimLines are the lines TestSkimGenerated builds documents from: the
// wanted paths at various depths, with awkward values and keys around them.
var skimLines = []string{
	"kind: Pod", "kind: Deployment", "apiVersion: v1", "apiVersion: apps/v1",
	"metadata:", "spec:", "template:", "labels:", "namespace: ns", "namespace: 'n''s'", "namespace: 1",
	"app: web", "app: 'x y'", "tier: true", "name: x", "image: a:1", "a: |", "b: \"q", "c: [1,", "d: {}",
	"- name: c", "- x", "-", "# comment", "", "x: y # c", "k: &a v", "<<: *a", "'q': v", "\"dq\": v",
	"namespace: \"e\\\"\"", "labels: {a: b}", "e: 'open", "f: v: w", "namespace: x\"", "app: y'", "app: z]",
}

// TestSkimGenerated compares the skim with the decoder on random documents
// built from those lines at random indentations.
func TestSkimGenerated(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	n := 300000
	if testing.Short() {
		n = 30000
	}
	taken := 0
	for i := 0; i < n && !t.Failed(); i++ {
		var b strings.Builder
		b.WriteString([]string{"kind: Pod\napiVersion: v1\n", "apiVersion: apps/v1\nkind: Deployment\n"}[r.Intn(2)])
		for l := r.Intn(12); l >= 0; l-- {
			b.WriteString(strings.Repeat(" ", 2*r.Intn(5)+r.Intn(2)*r.Intn(2)))
			b.WriteString(skimLines[r.Intn(len(skimLines))])
			b.WriteString("\n")
		}
		if checkSkim(t, "generated", []byte(b.String()), false) {
			taken++
		}
	}
	t.Logf("skim took %d of %d generated documents", taken, n)
}

// FuzzSkim: whatever the skim takes and the decoder decodes, both read the
// same.
func FuzzSkim(f *testing.F) {
	f.Add([]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  namespace: a\nspec:\n  template:\n    metadata:\n      labels:\n        a: b\n"))
	f.Add([]byte("kind: Pod\napiVersion: v1\nmetadata:\n  labels:\n    x: y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSkim(t, "input", data, false)
	})
}
