package webhook

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/pod-security-admission/admission/api/load"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/yaml"

	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/exception"
	"github.com/palisade-dev/palisade/internal/policy"
)

func TestMain(m *testing.M) {
	// The certificate watcher logs through controller-runtime's logger,
	// which prints a warning with a stack trace when none was set.
	ctrllog.SetLogger(logr.Discard())
	os.Exit(m.Run())
}

// memCluster is an in-memory Cluster: namespaces and pods by namespace.
type memCluster struct {
	namespaces map[string]*corev1.Namespace
	pods       map[string][]*corev1.Pod
}

func (c *memCluster) GetNamespace(_ context.Context, name string) (*corev1.Namespace, error) {
	if ns, ok := c.namespaces[name]; ok {
		return ns, nil
	}
	return nil, apierrors.NewNotFound(corev1.Resource("namespaces"), name)
}

func (c *memCluster) ListPods(_ context.Context, ns string) ([]*corev1.Pod, error) {
	return append([]*corev1.Pod(nil), c.pods[ns]...), nil
}

// cluster has namespaces named after their policy.
func cluster() *memCluster {
	ns := func(name string, labels map[string]string) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	}
	restricted := map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted",
		"pod-security.kubernetes.io/warn":    "restricted",
		"pod-security.kubernetes.io/audit":   "restricted",
	}
	return &memCluster{namespaces: map[string]*corev1.Namespace{
		"restricted": ns("restricted", restricted),
		"baseline":   ns("baseline", map[string]string{"pod-security.kubernetes.io/enforce": "baseline"}),
		"open":       ns("open", nil),
		"exempt":     ns("exempt", restricted),
		"pinned": ns("pinned", map[string]string{
			"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.21",
		}),
	}, pods: map[string][]*corev1.Pod{}}
}

// setup configures one test server.
type setup struct {
	webhook    config.WebhookConfig
	exceptions string // ExceptionList YAML
	psConfig   string // PodSecurityConfiguration YAML
	dryRun     bool
	checks     []string // engine check globs; default the PSS checks and bp/image-latest
	policies   []string // folders of custom policies
	extras     func(Evaluator) Evaluator
	now        time.Time
	cluster    *memCluster
	replaces   *Server // a reload of this server
}

var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func newServer(t testing.TB, s setup) *Server {
	t.Helper()
	var exc *exception.List
	if s.exceptions != "" {
		var err error
		if exc, err = exception.Parse("exceptions.yaml", []byte(s.exceptions)); err != nil {
			t.Fatal(err)
		}
	}
	if s.now.IsZero() {
		s.now = testNow
	}
	if s.checks == nil {
		s.checks = []string{"pss/*", "bp/image-latest"}
	}
	now := func() time.Time { return s.now }
	var policies *policy.Set
	if len(s.policies) > 0 {
		var err error
		if policies, err = policy.Load(context.Background(), policy.Options{Paths: s.policies}); err != nil {
			t.Fatal(err)
		}
	}
	eng, err := engine.New(engine.Options{Checks: s.checks, Exceptions: exc, Now: now, Policies: policies})
	if err != nil {
		t.Fatal(err)
	}
	psc, err := load.LoadFromData([]byte(s.psConfig))
	if err != nil {
		t.Fatal(err)
	}
	if s.cluster == nil {
		s.cluster = cluster()
	}
	var extras Evaluator = eng
	if s.extras != nil {
		extras = s.extras(eng)
	}
	srv, err := New(Options{
		Engine: eng, Extras: extras, PodSecurity: psc, Cluster: s.cluster, Exceptions: exc,
		Config: s.webhook, DryRun: s.dryRun, Now: now,
		Logger:   slog.New(slog.NewJSONHandler(testWriter{t}, nil)),
		Replaces: s.replaces,
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// testWriter sends the server's log to the test's log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// resources maps kinds to what the API server puts in a request.
var resources = map[string]metav1.GroupVersionResource{
	"Pod":        {Version: "v1", Resource: "pods"},
	"Namespace":  {Version: "v1", Resource: "namespaces"},
	"Service":    {Version: "v1", Resource: "services"},
	"ConfigMap":  {Version: "v1", Resource: "configmaps"},
	"Deployment": {Group: "apps", Version: "v1", Resource: "deployments"},
	"CronJob":    {Group: "batch", Version: "v1", Resource: "cronjobs"},
}

// request builds an AdmissionRequest as the API server sends it, from
// YAML objects (old may be "").
func request(t testing.TB, op admissionv1.Operation, obj, old string) *admissionv1.AdmissionRequest {
	t.Helper()
	raw := func(s string) runtime.RawExtension {
		if s == "" {
			return runtime.RawExtension{}
		}
		j, err := yaml.YAMLToJSON([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return runtime.RawExtension{Raw: j}
	}
	src := obj
	if src == "" {
		src = old
	}
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name, Namespace string
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal([]byte(src), &meta); err != nil {
		t.Fatal(err)
	}
	gv := strings.SplitN(meta.APIVersion, "/", 2)
	if len(gv) == 1 {
		gv = []string{"", gv[0]}
	}
	res, ok := resources[meta.Kind]
	if !ok {
		t.Fatalf("no resource for kind %s", meta.Kind)
	}
	ns := meta.Metadata.Namespace
	if meta.Kind == "Namespace" {
		ns = meta.Metadata.Name
	}
	return &admissionv1.AdmissionRequest{
		UID:       types.UID("uid-" + meta.Metadata.Name),
		Kind:      metav1.GroupVersionKind{Group: gv[0], Version: gv[1], Kind: meta.Kind},
		Resource:  res,
		Name:      meta.Metadata.Name,
		Namespace: ns,
		Operation: op,
		UserInfo:  authnv1.UserInfo{Username: "alice"},
		Object:    raw(obj),
		OldObject: raw(old),
	}
}

var metaV1Review = metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"}

// Objects used across tests.
const (
	privilegedPod = `apiVersion: v1
kind: Pod
metadata: {name: priv, namespace: restricted}
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.0
    securityContext: {privileged: true}
`
	restrictedPod = `apiVersion: v1
kind: Pod
metadata: {name: good, namespace: restricted}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: app
    image: registry.example.com/app:1.0
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`
	privilegedDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: restricted}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: registry.example.com/app:1.0
        securityContext: {privileged: true}
`
)

// in returns the object with its namespace (and optionally more YAML
// replaced): in(privilegedPod, "baseline").
func in(obj, ns string, replace ...string) string {
	obj = strings.Replace(obj, "namespace: restricted", "namespace: "+ns, 1)
	for i := 0; i+1 < len(replace); i += 2 {
		obj = strings.Replace(obj, replace[i], replace[i+1], 1)
	}
	return obj
}
