package workload

import (
	"testing"

	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/palisade-dev/palisade/internal/manifest"
)

func extract(t *testing.T, doc string) *Workload {
	t.Helper()
	objs, errs := manifest.Decode("t.yaml", []byte(doc))
	if len(errs) > 0 || len(objs) != 1 {
		t.Fatalf("decode: %v", errs)
	}
	w, ok, err := Extract(objs[0])
	if !ok || err != nil {
		t.Fatalf("extract: ok=%v err=%v", ok, err)
	}
	return w
}

// TestDefaultingChangesVerdict shows why defaulting is applied: upstream's
// evaluator, given the raw spec, denies a volume with no source that the
// API server turns into an emptyDir and admits.
func TestDefaultingChangesVerdict(t *testing.T) {
	w := extract(t, `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    image: i
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
  volumes:
  - name: scratch
`)
	ev, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	lv := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}
	if w.Spec.Volumes[0].EmptyDir == nil {
		t.Fatal("volume with no source was not defaulted to emptyDir")
	}
	if r := policy.AggregateCheckResults(ev.EvaluatePod(lv, w.Meta, w.Spec)); !r.Allowed {
		t.Fatalf("defaulted pod denied: %s", r.ForbiddenDetail())
	}
	raw := *w.Spec
	raw.Volumes = append(raw.Volumes[:0:0], raw.Volumes...)
	raw.Volumes[0].EmptyDir = nil
	if r := policy.AggregateCheckResults(ev.EvaluatePod(lv, w.Meta, &raw)); r.Allowed {
		t.Fatal("raw spec unexpectedly allowed: the defaulting would not matter")
	}
}

func TestPrefixes(t *testing.T) {
	for _, c := range []struct{ doc, meta, spec string }{
		{"apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {}\n", "metadata", "spec"},
		{"apiVersion: v1\nkind: PodTemplate\nmetadata: {name: x}\ntemplate: {spec: {}}\n", "template.metadata", "template.spec"},
		{"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {template: {spec: {}}}\n", "spec.template.metadata", "spec.template.spec"},
		{"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: x}\nspec: {jobTemplate: {spec: {template: {spec: {}}}}}\n", "spec.jobTemplate.spec.template.metadata", "spec.jobTemplate.spec.template.spec"},
	} {
		w := extract(t, c.doc)
		if w.MetaPrefix != c.meta || w.SpecPrefix != c.spec {
			t.Errorf("%s: prefixes %q %q", c.doc, w.MetaPrefix, w.SpecPrefix)
		}
	}
}

func TestMalformedPodSpecIsAnError(t *testing.T) {
	objs, _ := manifest.Decode("t.yaml", []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers: notalist\n"))
	_, ok, err := Extract(objs[0])
	if !ok || err == nil {
		t.Fatalf("want an error for a malformed pod spec, got ok=%v err=%v", ok, err)
	}
}
