package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/pod-security-admission/api"
	podsecuritytest "k8s.io/pod-security-admission/test"
	"sigs.k8s.io/yaml"

	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/workload"
)

// TestParity runs upstream's own Pod Security conformance harness against
// a real kube-apiserver whose built-in PodSecurity plugin is disabled and
// whose only Pod Security admission is Palisade, registered with the
// configuration of deploy/webhook/webhook.yaml. It creates namespaces at every
// level and at each version where a check or fixture changed, and expects
// every upstream pass fixture admitted and every fail fixture denied (as a
// Pod) or warned (as a Deployment) with upstream's message.
func TestParity(t *testing.T) {
	env, _ := startAPIServer(t)
	h := startHook(t, env, hookOptions{name: "parity"})
	cs, _ := clientWithWarnings(t, env.Config)
	h.waitCalled(t, func() {
		_, _ = cs.CoreV1().Pods("default").Create(context.Background(), podFrom(t, restrictedPod, "default"),
			metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	})
	podsecuritytest.Run(t, podsecuritytest.Options{ClientConfig: env.Config})
	if n := h.requests(); n < 1000 {
		t.Errorf("only %v requests reached palisade: the harness did not run through it", n)
	}
	t.Logf("palisade answered %v admission requests", h.requests())
}

// TestWebhookAgreesWithScan: for every fixture of upstream's generated
// corpus, the webhook's verdict on the pod in a namespace enforcing the
// fixture's level and version equals the engine's (what `palisade scan`
// reports) at that level and version, and both equal upstream's
// expectation. One engine, two front doors.
func TestWebhookAgreesWithScan(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/pod-security-admission").Output()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(strings.TrimSpace(string(out)), "test", "testdata")
	files, err := filepath.Glob(filepath.Join(root, "*", "v1.*", "*", "*.yaml"))
	if err != nil || len(files) < 1000 {
		t.Fatalf("expected thousands of upstream fixtures, found %d (%v)", len(files), err)
	}
	c := &memCluster{namespaces: map[string]*corev1.Namespace{}, pods: map[string][]*corev1.Pod{}}
	srv := newServer(t, setup{cluster: c, checks: []string{"pss/*"}})
	engines := map[api.LevelVersion]*engine.Engine{}
	inv := inventory.New()
	for i, f := range files {
		rel, _ := filepath.Rel(root, f)
		parts := strings.Split(rel, string(filepath.Separator))
		level, version, expect := parts[0], parts[1], parts[2]
		lv := api.LevelVersion{Level: api.Level(level)}
		if lv.Version, err = api.ParseVersion(version); err != nil {
			t.Fatal(err)
		}
		ns := level + "-" + strings.ReplaceAll(version, ".", "-")
		c.namespaces[ns] = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{
			api.EnforceLevelLabel: level, api.EnforceVersionLabel: version}}}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// The API server defaults an object before admission sees it.
		var pod corev1.Pod
		if err := yaml.UnmarshalStrict(data, &pod); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		workload.ApplyDefaults(&pod.Spec, true)
		raw, err := json.Marshal(&pod)
		if err != nil {
			t.Fatal(err)
		}
		resp := srv.Review(context.Background(), &admissionv1.AdmissionRequest{
			UID: types.UID(fmt.Sprint(i)), Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Resource: metav1.GroupVersionResource{Version: "v1", Resource: "pods"}, Namespace: ns, Name: "test",
			Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw},
		})

		eng := engines[lv]
		if eng == nil {
			if eng, err = engine.New(engine.Options{Checks: []string{"pss/*"}, Defaults: api.Policy{Enforce: lv, Audit: lv, Warn: lv}}); err != nil {
				t.Fatal(err)
			}
			engines[lv] = eng
		}
		objs, errs := manifest.Decode(rel, data)
		if len(errs) > 0 || len(objs) != 1 {
			t.Fatalf("%s: %v", rel, errs)
		}
		fs, ferr := eng.EvaluateObject(objs[0], inv)
		if ferr != nil {
			t.Fatalf("%s: %v", rel, ferr)
		}
		scanPasses := true
		for _, f := range fs {
			scanPasses = scanPasses && (f.Standard != finding.StandardPodSecurity || f.Suppressed)
		}
		if resp.Allowed != scanPasses || resp.Allowed != (expect == "pass") {
			msg := ""
			if resp.Result != nil {
				msg = resp.Result.Message
			}
			t.Errorf("%s: webhook allowed=%v (%s), scan passes=%v, upstream expects %s", rel, resp.Allowed, msg, scanPasses, expect)
		}
	}
	t.Logf("%d fixtures agree", len(files))
}
