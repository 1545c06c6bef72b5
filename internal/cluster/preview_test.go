package cluster

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/golden"
	"github.com/palisade-dev/palisade/internal/manifest"
)

// previewObjects is a small cluster as `kubectl get -o yaml` would show
// it: uids and owner references included.
const previewObjects = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {pod-security.kubernetes.io/enforce: baseline}}
---
apiVersion: v1
kind: Namespace
metadata: {name: quiet}
---
apiVersion: v1
kind: Namespace
metadata: {name: strict, labels: {pod-security.kubernetes.io/enforce: restricted}}
---
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, uid: d1}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: app:1}]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-1
  namespace: shop
  uid: r1
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d1, controller: true}]
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: app:1}]
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1-b
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: r1, controller: true}]
spec:
  containers: [{name: app, image: app:1}]
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1-a
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: r1, controller: true}]
spec:
  containers: [{name: app, image: app:1}]
---
apiVersion: v1
kind: Pod
metadata:
  name: job-x
  namespace: shop
  ownerReferences: [{apiVersion: example.com/v1, kind: Workflow, name: nightly, uid: w1, controller: true}]
spec:
  containers: [{name: app, image: app:1}]
---
apiVersion: v1
kind: Pod
metadata:
  name: legacy
  namespace: shop
  annotations: {palisade.dev/exempt: "pss/*", palisade.dev/exempt-reason: "migrating in Q3"}
spec:
  containers: [{name: app, image: app:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: sandboxed, namespace: quiet}
spec:
  runtimeClassName: kata
  containers: [{name: app, image: app:1, securityContext: {privileged: true}}]
---
apiVersion: v1
kind: Pod
metadata: {name: ok, namespace: quiet}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: app
    image: app:1
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
---
apiVersion: v1
kind: Pod
metadata: {name: root, namespace: kube-system}
spec:
  hostNetwork: true
  containers: [{name: app, image: app:1}]
`

func previewOf(t *testing.T, level api.Level) *Preview {
	t.Helper()
	objs, errs := manifest.Decode("cluster.yaml", []byte(previewObjects))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	snap := NewSnapshot("test", objs)
	target := api.LevelVersion{Level: level, Version: api.LatestVersion()}
	eng, err := engine.New(PreviewEngineOptions(engine.Options{}, target))
	if err != nil {
		t.Fatal(err)
	}
	defaults, _ := DefaultAdmission()
	p, err := RunPreview(eng, snap, nil, PreviewOptions{Target: target, Defaults: defaults,
		Exemptions: Exemptions{Namespaces: []string{"kube-system"}, RuntimeClasses: []string{"kata"}}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPreview(t *testing.T) {
	p := previewOf(t, api.LevelRestricted)
	byNS := map[string]NamespacePreview{}
	for _, n := range p.Namespaces {
		byNS[n.Namespace] = n
	}
	for _, tc := range []struct {
		ns             string
		reject, warn   []string // "Kind/name<owner" and "Kind/name"
		exempt, break_ bool
		exemptPods     []string
	}{
		{ns: "shop", reject: []string{"Pod/job-x<Workflow/nightly", "Pod/legacy<", "Pod/web-1-a<Deployment/web", "Pod/web-1-b<Deployment/web"},
			warn: []string{"Deployment/web"}, break_: true},
		{ns: "quiet", exemptPods: []string{"sandboxed"}},
		{ns: "strict"},
		{ns: "kube-system", exempt: true},
	} {
		n := byNS[tc.ns]
		var reject, warn []string
		for _, v := range n.WouldReject {
			reject = append(reject, v.Kind+"/"+v.Name+"<"+v.Owner)
		}
		for _, v := range n.WouldWarn {
			warn = append(warn, v.Kind+"/"+v.Name)
		}
		slices.Sort(reject)
		if !slices.Equal(reject, tc.reject) || !slices.Equal(warn, tc.warn) || n.Exempt != tc.exempt ||
			n.Breaks() != tc.break_ || !slices.Equal(n.ExemptPods, tc.exemptPods) {
			t.Errorf("%s: reject %v warn %v exempt %v breaks %v exemptPods %v; want %v %v %v %v %v",
				tc.ns, reject, warn, n.Exempt, n.Breaks(), n.ExemptPods, tc.reject, tc.warn, tc.exempt, tc.break_, tc.exemptPods)
		}
	}
	legacy := byNS["shop"].WouldReject[slices.IndexFunc(byNS["shop"].WouldReject, func(v Verdict) bool { return v.Name == "legacy" })]
	if !legacy.Excepted || len(legacy.Findings) == 0 || !legacy.Findings[0].Suppressed {
		t.Errorf("legacy pod: excepted %v findings %v, want excepted and suppressed findings", legacy.Excepted, legacy.Findings)
	}
	if got := byNS["shop"].Current; got["enforce"] != "baseline:latest" || got["warn"] != "baseline:latest" || got["audit"] != "privileged:latest" {
		t.Errorf("current = %v", got)
	}
	web := byNS["shop"].WouldReject[slices.IndexFunc(byNS["shop"].WouldReject, func(v Verdict) bool { return v.Name == "web-1-a" })]
	if want := "allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile"; web.Reason != want {
		t.Errorf("reason %q, want upstream's %q", web.Reason, want)
	}
	if want := []string{"pss/allowPrivilegeEscalation", "pss/capabilities_restricted", "pss/runAsNonRoot", "pss/seccompProfile_restricted"}; !slices.Equal(web.Checks, want) {
		t.Errorf("checks %v, want %v", web.Checks, want)
	}
}

// TestPreviewOutput pins the renderings (go test ./internal/cluster -update rewrites them).
func TestPreviewOutput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		level api.Level
		write func(*bytes.Buffer, *Preview) error
	}{
		{"restricted.txt", api.LevelRestricted, func(b *bytes.Buffer, p *Preview) error { return WritePreviewText(b, p) }},
		{"baseline.txt", api.LevelBaseline, func(b *bytes.Buffer, p *Preview) error { return WritePreviewText(b, p) }},
		{"restricted.json", api.LevelRestricted, func(b *bytes.Buffer, p *Preview) error { return WritePreviewJSON(b, p) }},
		{"baseline-labels.sh", api.LevelBaseline, func(b *bytes.Buffer, p *Preview) error { return WriteLabelCommands(b, p) }},
		{"restricted-labels.sh", api.LevelRestricted, func(b *bytes.Buffer, p *Preview) error { return WriteLabelCommands(b, p) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.write(&b, previewOf(t, tc.level)); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, b.Bytes(), filepath.Join("testdata", "preview", tc.name))
		})
	}
}

func TestPreviewJSONShape(t *testing.T) {
	var b bytes.Buffer
	if err := WritePreviewJSON(&b, previewOf(t, api.LevelRestricted)); err != nil {
		t.Fatal(err)
	}
	// The keys of SPEC.md's example, with their types.
	var doc struct {
		SchemaVersion string `json:"schemaVersion"`
		Level         string `json:"level"`
		Version       string `json:"version"`
		Namespaces    []struct {
			Namespace   string            `json:"namespace"`
			Current     map[string]string `json:"current"`
			WouldReject []struct {
				Kind, Name, Owner string
				Checks            []string
				Findings          []map[string]any
			} `json:"wouldReject"`
			WouldWarn []map[string]any `json:"wouldWarn"`
			Exempt    *bool            `json:"exempt"`
		} `json:"namespaces"`
	}
	dec := json.NewDecoder(&b)
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != "1" || doc.Level != "restricted" || doc.Version != "latest" || len(doc.Namespaces) != 4 {
		t.Fatalf("header: %+v", doc)
	}
	for _, n := range doc.Namespaces {
		if n.Exempt == nil || n.WouldReject == nil || n.WouldWarn == nil || n.Current["enforce"] == "" {
			t.Errorf("namespace %s misses a key: %+v", n.Namespace, n)
		}
	}
}

func TestPreviewNeedsItsEngine(t *testing.T) {
	eng, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	target := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}
	if _, err := RunPreview(eng, NewSnapshot("x", nil), nil, PreviewOptions{Target: target}); err == nil {
		t.Error("an engine at another level was accepted")
	}
}
