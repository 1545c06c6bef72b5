package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/pod-security-admission/api"
	"k8s.io/utils/ptr"

	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/testenv"
)

// admissionConfig configures the test API server's built-in Pod Security
// admission with exemptions, and is read by palisade unchanged.
const admissionConfig = `apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults:
      enforce: privileged
      enforce-version: latest
    exemptions:
      namespaces: [exempt-ns]
      runtimeClasses: [kata]
`

// liveCluster is one API server shared by the tests of this file: its
// objects are created once, and each test only reads.
type liveCluster struct {
	env     *testenv.Env
	admPath string
}

// startLive starts the shared API server and creates the fixture
// namespaces. The first test to need it starts it; the control plane is
// stopped with that test's cleanup, so the tests that use it run as
// subtests of TestAgainstAPIServer.
func startLive(t *testing.T) *liveCluster {
	dir := t.TempDir()
	adm := filepath.Join(dir, "admission.yaml")
	if err := os.WriteFile(adm, []byte(admissionConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	env := testenv.Start(t, testenv.Options{APIServerFlags: map[string]string{"admission-control-config-file": adm}})
	f := newFixture(t, env.Config)
	_, err := f.admin.NodeV1().RuntimeClasses().Create(f.ctx, &nodev1.RuntimeClass{
		ObjectMeta: metav1.ObjectMeta{Name: "kata"}, Handler: "kata"}, metav1.CreateOptions{})
	f.must(err)

	f.namespace("shop", nil)
	f.deployment("shop", "web", "plain", 3)
	f.deployment("shop", "api", "rootish", 2)
	f.pod("shop", "debug", "privileged")
	f.pod("shop", "plain-1", "plain")
	f.pod("shop", "ok", "restricted")

	f.namespace("legacy", nil)
	f.pod("legacy", "hostnet-a", "hostnet")
	f.pod("legacy", "priv-b", "privileged")
	f.pod("legacy", "plain-c", "plain")

	f.namespace("quiet", nil)
	f.pod("quiet", "q1", "restricted")
	f.pod("quiet", "q2", "restricted")

	f.namespace("kata-ns", nil)
	f.pod("kata-ns", "sandboxed", "privileged", func(p *corev1.Pod) { p.Spec.RuntimeClassName = ptr.To("kata") })
	f.pod("kata-ns", "plain-d", "plain")

	f.namespace("exempt-ns", nil)
	f.pod("exempt-ns", "root", "privileged")

	return &liveCluster{env: env, admPath: adm}
}

// warningCollector is a rest.WarningHandler keeping every warning.
type warningCollector struct {
	mu   sync.Mutex
	list []string
}

func (w *warningCollector) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	w.list = append(w.list, text)
	w.mu.Unlock()
}

// serverPreview asks the API server what `kubectl label --dry-run=server
// --overwrite ns NS pod-security.kubernetes.io/enforce=LEVEL
// pod-security.kubernetes.io/enforce-version=VERSION` asks it, and returns
// its warnings.
func serverPreview(t *testing.T, cfg *rest.Config, ns string, target api.LevelVersion) []string {
	t.Helper()
	w := &warningCollector{}
	c := rest.CopyConfig(cfg)
	c.WarningHandler = w
	cs := kubernetes.NewForConfigOrDie(c)
	patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%q,%q:%q}}}`,
		api.EnforceLevelLabel, target.Level, api.EnforceVersionLabel, target.Version)
	if _, err := cs.CoreV1().Namespaces().Patch(context.Background(), ns, types.MergePatchType, []byte(patch),
		metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatalf("dry-run label of %s: %v", ns, err)
	}
	return w.list
}

// asServerWarnings renders palisade's answer for one namespace the way the
// API server words its own (admission.EvaluatePodsInNamespace): a header,
// then one line per distinct reason naming the first pod by name and how
// many others share it, sorted.
func asServerWarnings(np NamespacePreview, target api.LevelVersion) []string {
	if np.Exempt {
		return nil
	}
	type group struct {
		first string
		n     int
	}
	groups := map[string]*group{}
	for _, v := range np.WouldReject {
		g := groups[v.Reason]
		if g == nil {
			g = &group{first: v.Name}
			groups[v.Reason] = g
		}
		g.n++
		g.first = min(g.first, v.Name)
	}
	if len(groups) == 0 {
		return nil
	}
	var lines []string
	for reason, g := range groups {
		switch g.n {
		case 1:
			lines = append(lines, fmt.Sprintf("%s: %s", g.first, reason))
		case 2:
			lines = append(lines, fmt.Sprintf("%s (and 1 other pod): %s", g.first, reason))
		default:
			lines = append(lines, fmt.Sprintf("%s (and %d other pods): %s", g.first, g.n-1, reason))
		}
	}
	sort.Strings(lines)
	header := fmt.Sprintf("existing pods in namespace %q violate the new PodSecurity enforce level %q", np.Namespace, target.String())
	return append([]string{header}, lines...)
}

func TestAgainstAPIServer(t *testing.T) {
	lc := startLive(t)
	t.Run("preview agrees with the API server", func(t *testing.T) { testPreviewAgrees(t, lc) })
	t.Run("one engine for files and cluster", func(t *testing.T) { testOneEngine(t, lc) })
	t.Run("missing permission is a warning", func(t *testing.T) { testMissingPermission(t, lc) })
	t.Run("cluster reader role suffices", func(t *testing.T) { testReaderRole(t, lc) })
	t.Run("pagination and namespace", func(t *testing.T) { testPagination(t, lc) })
	t.Run("owners are reported once", func(t *testing.T) { testOwners(t, lc) })
}

func testPreviewAgrees(t *testing.T, lc *liveCluster) {
	ctx := context.Background()
	snap, problems, err := List(ctx, lc.env.Config, "envtest", KindsFor(ForPreview, nil), ListOptions{PageSize: 3})
	if err != nil || len(problems) > 0 {
		t.Fatalf("list: %v %v", err, problems)
	}
	defaults, exemptions, err := LoadPodSecurityConfig(lc.admPath)
	if err != nil {
		t.Fatal(err)
	}
	namespaces := []string{"shop", "legacy", "quiet", "kata-ns", "exempt-ns"}
	for _, target := range []api.LevelVersion{
		{Level: api.LevelBaseline, Version: api.LatestVersion()},
		{Level: api.LevelRestricted, Version: api.LatestVersion()},
		{Level: api.LevelRestricted, Version: api.MajorMinorVersion(1, 22)},
		{Level: api.LevelBaseline, Version: api.MajorMinorVersion(1, 0)},
	} {
		eng, err := engine.New(PreviewEngineOptions(engine.Options{}, target))
		if err != nil {
			t.Fatal(err)
		}
		p, err := RunPreview(eng, snap, nil, PreviewOptions{Target: target, Defaults: defaults, Exemptions: exemptions})
		if err != nil {
			t.Fatal(err)
		}
		rejected := 0
		for _, np := range p.Namespaces {
			if !slices.Contains(namespaces, np.Namespace) {
				continue
			}
			rejected += len(np.WouldReject)
			var server []string
			for _, w := range serverPreview(t, lc.env.Config, np.Namespace, target) {
				if !strings.HasPrefix(w, fmt.Sprintf("namespace %q is exempt", np.Namespace)) {
					server = append(server, w)
				}
			}
			ours := asServerWarnings(np, target)
			if !slices.Equal(server, ours) {
				t.Errorf("%s at %s:\nAPI server: %q\npalisade:   %q", np.Namespace, target, server, ours)
			}
		}
		if rejected == 0 {
			t.Errorf("%s: nothing rejected anywhere; the fixture proves nothing", target)
		}
	}
}
