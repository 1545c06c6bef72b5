package webhook

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/pod-security-admission/admission/api/load"
	"sigs.k8s.io/yaml"

	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/exception"
	"github.com/palisade-dev/palisade/internal/policy"
	"github.com/palisade-dev/palisade/internal/testenv"
)

// auditPolicy records, at Metadata level, the requests whose audit
// annotations the tests read.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  resources:
  - group: ""
    resources: [pods, namespaces]
  - group: apps
    resources: [deployments]
- level: None
`

// startAPIServer starts etcd and kube-apiserver with the built-in PodSecurity
// plugin off (so every Pod Security verdict seen is Palisade's) and an
// audit log; it returns the env and the log's path.
func startAPIServer(t *testing.T) (*testenv.Env, string) {
	t.Helper()
	dir := t.TempDir()
	policy := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	auditLog := filepath.Join(dir, "audit.log")
	env := testenv.Start(t, testenv.Options{APIServerFlags: map[string]string{
		// envtest disables ServiceAccount (pods need no token); PodSecurity
		// is added, as upstream's own webhook integration test does.
		"disable-admission-plugins": "ServiceAccount,PodSecurity",
		"audit-policy-file":         policy,
		"audit-log-path":            auditLog,
	}})
	return env, auditLog
}

// hook is a palisade server running against env, registered with the API
// server under the names of deploy/webhook/webhook.yaml plus suffix.
type hook struct {
	srv     *Server
	ca      *testenv.CA
	certDir string
	addr    string
}

type hookOptions struct {
	name       string // suffix of the webhook configuration's name
	webhook    config.WebhookConfig
	psConfig   string
	exceptions string
	dryRun     bool
	extras     func(Evaluator) Evaluator
	policies   []string // folders of custom policies
	// selector is added to the namespaceSelector of deploy/webhook/webhook.yaml,
	// so several servers can share one API server.
	selector []metav1.LabelSelectorRequirement
}

func startHook(t *testing.T, env *testenv.Env, o hookOptions) *hook {
	t.Helper()
	var exc *exception.List
	if o.exceptions != "" {
		var err error
		if exc, err = exception.Parse("exceptions.yaml", []byte(o.exceptions)); err != nil {
			t.Fatal(err)
		}
	}
	var policies *policy.Set
	if len(o.policies) > 0 {
		var err error
		if policies, err = policy.Load(context.Background(), policy.Options{Paths: o.policies}); err != nil {
			t.Fatal(err)
		}
	}
	eng, err := engine.New(engine.Options{Exceptions: exc, Policies: policies})
	if err != nil {
		t.Fatal(err)
	}
	psc, err := load.LoadFromData([]byte(o.psConfig))
	if err != nil {
		t.Fatal(err)
	}
	client := kubernetes.NewForConfigOrDie(env.Config)
	kc := NewCluster(client)
	ctx, cancel := context.WithCancel(context.Background())
	kc.Start(ctx)
	var extras Evaluator = eng
	if o.extras != nil {
		extras = o.extras(eng)
	}
	srv, err := New(Options{Engine: eng, Extras: extras, PodSecurity: psc, Cluster: kc, Exceptions: exc,
		Config: o.webhook, DryRun: o.dryRun, Logger: slog.New(slog.NewJSONHandler(testWriter{t}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	h := &hook{srv: srv, ca: testenv.NewCA(t), certDir: t.TempDir()}
	certFile, keyFile, _ := h.ca.WriteServing(t, h.certDir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = ln.Addr().String()
	done := make(chan error, 1)
	go func() {
		done <- srv.Run(ctx, ServeOptions{Listener: ln, CertFile: certFile, KeyFile: keyFile, Ready: kc.Synced})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%s: Run: %v", o.name, err)
		}
	})
	if !kc.WaitForSync(ctx, 30*time.Second) {
		t.Fatal("namespace cache did not sync")
	}

	vwc := readVWC(t)
	vwc.Name += "-" + o.name
	url := "https://" + h.addr + "/validate"
	for i := range vwc.Webhooks {
		w := &vwc.Webhooks[i]
		w.ClientConfig = admissionregv1.WebhookClientConfig{URL: &url, CABundle: h.ca.PEM()}
		w.NamespaceSelector.MatchExpressions = append(w.NamespaceSelector.MatchExpressions, o.selector...)
	}
	env.InstallValidatingWebhook(t, vwc)
	return h
}

// waitCalled repeats probe until the server has answered at least one more
// request: the API server picks up a new webhook configuration within
// about a second.
func (h *hook) waitCalled(t *testing.T, probe func()) {
	t.Helper()
	before := h.requests()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		probe()
		if h.requests() > before {
			return
		}
	}
	t.Fatal("the API server never called the webhook")
}

// requests is the total of palisade_webhook_requests_total.
func (h *hook) requests() float64 {
	mfs, _ := h.srv.metrics.Registry.Gather()
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "palisade_webhook_requests_total" {
			for _, m := range mf.GetMetric() {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

// warnings collects the warnings the API server returns to a client.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

func (w *warnings) take() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := strings.Join(w.list, "\n")
	w.list = nil
	return s
}

// clientWithWarnings is a clientset for cfg whose warnings are collected.
func clientWithWarnings(t *testing.T, cfg *rest.Config) (*kubernetes.Clientset, *warnings) {
	t.Helper()
	w := &warnings{}
	c := rest.CopyConfig(cfg)
	c.WarningHandler = w
	cs, err := kubernetes.NewForConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	return cs, w
}

func createNamespace(t *testing.T, cs kubernetes.Interface, name string, labels map[string]string) {
	t.Helper()
	_, err := cs.CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// podFrom decodes a pod from YAML with a namespace.
func podFrom(t *testing.T, y, ns string) *corev1.Pod {
	t.Helper()
	var p corev1.Pod
	if err := yaml.Unmarshal([]byte(y), &p); err != nil {
		t.Fatal(err)
	}
	p.Namespace = ns
	return &p
}
