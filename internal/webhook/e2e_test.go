package webhook

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/workload"
)

const e2ePSConfig = `apiVersion: pod-security.admission.config.k8s.io/v1
kind: PodSecurityConfiguration
defaults: {enforce: privileged}
exemptions:
  usernames: [ops-exempt]
  runtimeClasses: [kata]
  namespaces: [exempt-ns]
`

const e2eExceptions = `exceptions:
- checks: ["pss/*"]
  resources: [{kind: Pod, namespace: baseline-ns, name: "vendor-*"}]
  reason: the vendor's agent needs the host
`

const modeLabel = "palisade-test/mode"

// explodeOn makes the extras panic on objects labelled explode=true, as a
// buggy check would on some input.
func explodeOn(e Evaluator) Evaluator { return exploding{e} }

type exploding struct{ Evaluator }

func (x exploding) EvaluateExtras(ctx context.Context, o *manifest.Object, w *workload.Workload, inv *inventory.Inventory) ([]finding.Finding, *finding.Error) {
	if o.Labels["explode"] == "true" {
		panic("check exploded on " + o.Name)
	}
	return x.Evaluator.EvaluateExtras(ctx, o, w, inv)
}

// TestEndToEnd runs Palisade as the only Pod Security admission of a real
// kube-apiserver and checks every behaviour a client or an auditor sees.
func TestEndToEnd(t *testing.T) {
	env, auditLog := startAPIServer(t)
	ctx := context.Background()
	admin, warned := clientWithWarnings(t, env.Config)

	// A user exempt by the PodSecurityConfiguration, with rights to create pods.
	_, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "ops-exempt"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: "User", Name: "ops-exempt", APIGroup: "rbac.authorization.k8s.io"}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	exemptUser := kubernetes.NewForConfigOrDie(env.AddUser(t, "ops-exempt"))
	if _, err := admin.NodeV1().RuntimeClasses().Create(ctx, &nodev1.RuntimeClass{ObjectMeta: metav1.ObjectMeta{Name: "kata"}, Handler: "kata"}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	restricted := map[string]string{"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/audit": "restricted"}
	createNamespace(t, admin, "restricted", restricted)
	createNamespace(t, admin, "baseline-ns", map[string]string{"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted"})
	createNamespace(t, admin, "exempt-ns", restricted)
	createNamespace(t, admin, "dry", map[string]string{"pod-security.kubernetes.io/enforce": "restricted", modeLabel: "dry-run"})

	main := startHook(t, env, hookOptions{
		name: "main", psConfig: e2ePSConfig, exceptions: e2eExceptions, extras: explodeOn,
		// The example policies too; the team-label constraint (deny by its
		// own enforcementAction) is turned into a warning here.
		policies: []string{"../../policies/examples"},
		webhook: config.WebhookConfig{Actions: []config.WebhookAction{
			{Checks: []string{"bp/image-latest"}, EnforcementAction: config.ActionDeny},
			{Checks: []string{"policy/k8srequiredteamlabel.*"}, EnforcementAction: config.ActionWarn},
		}},
		selector: []metav1.LabelSelectorRequirement{{Key: modeLabel, Operator: metav1.LabelSelectorOpDoesNotExist}},
	})
	dry := startHook(t, env, hookOptions{
		name: "dry-run", psConfig: e2ePSConfig, dryRun: true,
		selector: []metav1.LabelSelectorRequirement{{Key: modeLabel, Operator: metav1.LabelSelectorOpIn, Values: []string{"dry-run"}}},
	})
	dryRunCreate := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	main.waitCalled(t, func() {
		_, _ = admin.CoreV1().Pods("restricted").Create(ctx, podFrom(t, restrictedPod, "restricted"), dryRunCreate)
	})
	dry.waitCalled(t, func() { _, _ = admin.CoreV1().Pods("dry").Create(ctx, podFrom(t, restrictedPod, "dry"), dryRunCreate) })
	warned.take()

	pods := func(c kubernetes.Interface, ns string) func(*corev1.Pod) error {
		return func(p *corev1.Pod) error {
			_, err := c.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
			return err
		}
	}
	forbidden := func(t *testing.T, err error, subs ...string) {
		t.Helper()
		if !apierrors.IsForbidden(err) {
			t.Fatalf("want Forbidden, got %v", err)
		}
		for _, s := range subs {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q lacks %q", err, s)
			}
		}
	}
	contains := func(t *testing.T, what, got string, subs ...string) {
		t.Helper()
		for _, s := range subs {
			if !strings.Contains(got, s) {
				t.Errorf("%s %q lack %q", what, got, s)
			}
		}
	}

	t.Run("enforce denies", func(t *testing.T) {
		forbidden(t, pods(admin, "restricted")(podFrom(t, privilegedPod, "restricted")),
			`admission webhook "pod-security.palisade.dev" denied the request: pods "priv" is forbidden: violates PodSecurity "restricted:latest": privileged (container "app" must not set securityContext.privileged=true)`)
	})
	t.Run("a deployment is warned, its pod denied", func(t *testing.T) {
		var d appsv1.Deployment
		if err := yaml.Unmarshal([]byte(privilegedDeployment), &d); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.AppsV1().Deployments("restricted").Create(ctx, &d, metav1.CreateOptions{}); err != nil {
			t.Fatalf("deployment denied: %v", err)
		}
		contains(t, "warnings", warned.take(), `would violate PodSecurity "restricted:latest": privileged (container "app" must not set securityContext.privileged=true)`)
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Labels: d.Spec.Template.Labels}, Spec: d.Spec.Template.Spec}
		forbidden(t, pods(admin, "restricted")(pod), `violates PodSecurity "restricted:latest"`)
	})
	t.Run("warn returns warnings", func(t *testing.T) {
		p := podFrom(t, restrictedPod, "baseline-ns")
		p.Spec.SecurityContext = nil // baseline yes, restricted no
		if err := pods(admin, "baseline-ns")(p); err != nil {
			t.Fatal(err)
		}
		contains(t, "warnings", warned.take(), `would violate PodSecurity "restricted:latest": runAsNonRoot != true`, "[bp/",
			`[policy/k8srequiredteamlabel.require-team-label] Pod "good" has no "team" label naming the team that owns it`)
	})
	t.Run("extras deny with the check ID", func(t *testing.T) {
		p := podFrom(t, restrictedPod, "baseline-ns")
		p.Name, p.Spec.Containers[0].Image = "latest", "busybox:latest"
		forbidden(t, pods(admin, "baseline-ns")(p), `denied by palisade: [bp/image-latest] container "app" uses image "busybox:latest" with the :latest tag (spec.containers[0].image)`)
	})
	t.Run("Rego policies deny with their own enforcementAction", func(t *testing.T) {
		p := podFrom(t, restrictedPod, "baseline-ns")
		p.Name = "sharing-pid"
		p.Spec.HostPID = true
		forbidden(t, pods(admin, "baseline-ns")(p), `violates PodSecurity "baseline:latest": host namespaces (hostPID=true)`,
			`denied by palisade: [policy/k8sdenyhostpid.no-host-pid] Pod "sharing-pid" shares the host PID namespace`)
	})
	t.Run("exemptions", func(t *testing.T) {
		if err := pods(admin, "exempt-ns")(podFrom(t, privilegedPod, "exempt-ns")); err != nil {
			t.Errorf("exempt namespace: %v", err)
		}
		p := podFrom(t, privilegedPod, "restricted")
		p.Name = "by-exempt-user"
		if err := pods(exemptUser, "restricted")(p); err != nil {
			t.Errorf("exempt user: %v", err)
		}
		p = podFrom(t, privilegedPod, "restricted")
		p.Name, p.Spec.RuntimeClassName = "kata", ptr("kata")
		if err := pods(admin, "restricted")(p); err != nil {
			t.Errorf("exempt runtime class: %v", err)
		}
	})
	t.Run("palisade exceptions", func(t *testing.T) {
		p := podFrom(t, privilegedPod, "baseline-ns")
		p.Name = "vendor-agent"
		if err := pods(admin, "baseline-ns")(p); err != nil {
			t.Errorf("excepted pod: %v", err)
		}
		p.Name = "other-agent"
		forbidden(t, pods(admin, "baseline-ns")(p), `violates PodSecurity "baseline:latest"`)
	})
	t.Run("dry-run never denies", func(t *testing.T) {
		if err := pods(admin, "dry")(podFrom(t, privilegedPod, "dry")); err != nil {
			t.Fatalf("dry-run denied: %v", err)
		}
		contains(t, "warnings", warned.take(), `palisade dry-run: would deny: pods "priv" is forbidden: violates PodSecurity "restricted:latest"`)
		if got := testutil.ToFloat64(dry.srv.metrics.wouldDeny.WithLabelValues("Pod", "dry")); got != 1 {
			t.Errorf("would_deny = %v, want 1", got)
		}
	})
	t.Run("matchConditions spare updates that cannot change a verdict", func(t *testing.T) {
		p := podFrom(t, restrictedPod, "restricted")
		p.Name = "stable"
		if err := pods(admin, "restricted")(p); err != nil {
			t.Fatal(err)
		}
		before := main.requests()
		p, err := admin.CoreV1().Pods("restricted").Get(ctx, "stable", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Labels = map[string]string{"touched": "yes"}
		if p, err = admin.CoreV1().Pods("restricted").Update(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := main.requests(); got != before {
			t.Errorf("a label-only pod update reached the webhook (%v calls)", got-before)
		}
		p.Spec.Containers[0].Image = "registry.example.com/app:1.1"
		if _, err = admin.CoreV1().Pods("restricted").Update(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := main.requests(); got != before+1 {
			t.Errorf("an image update made %v calls, want 1", got-before)
		}

		ns, err := admin.CoreV1().Namespaces().Get(ctx, "baseline-ns", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before = main.requests()
		ns.Annotations = map[string]string{"touched": "yes"}
		if ns, err = admin.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := main.requests(); got != before {
			t.Errorf("an annotation-only namespace update reached the webhook (%v calls)", got-before)
		}
		// Tightening the namespace is judged, and warns about its pods.
		ns.Labels["pod-security.kubernetes.io/enforce"] = "restricted"
		if _, err = admin.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
			t.Fatal(err)
		}
		// vendor-agent is privileged but excepted: exceptions reach this
		// evaluation too, so only the pod that would really be rejected is named.
		w := warned.take()
		contains(t, "warnings", w, `existing pods in namespace "baseline-ns" violate the new PodSecurity enforce level "restricted:latest"`, "good: runAsNonRoot != true")
		if strings.Contains(w, "vendor-agent") {
			t.Errorf("warnings name the excepted pod: %q", w)
		}
		if got := main.requests(); got != before+1 {
			t.Errorf("a label update made %v calls, want 1", got-before)
		}
	})
	t.Run("a check panic does not take the server down", func(t *testing.T) {
		p := podFrom(t, restrictedPod, "baseline-ns")
		p.Name, p.Labels = "boom", map[string]string{"explode": "true"}
		err := pods(admin, "baseline-ns")(p)
		if err == nil || !strings.Contains(err.Error(), "palisade could not evaluate this request: internal error: check exploded on boom") {
			t.Fatalf("want the failure-policy denial, got %v", err)
		}
		p.Name, p.Labels = "after-boom", nil
		if err := pods(admin, "baseline-ns")(p); err != nil {
			t.Fatalf("server down after a panic: %v", err)
		}
	})
	t.Run("TLS rotation without restart", func(t *testing.T) {
		_, _, serial := main.ca.WriteServing(t, main.certDir)
		cfg := &tls.Config{RootCAs: main.ca.Pool()}
		served := func() *big.Int {
			c, err := tls.Dial("tcp", main.addr, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			return c.ConnectionState().PeerCertificates[0].SerialNumber
		}
		for deadline := time.Now().Add(15 * time.Second); served().Cmp(serial) != 0; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("new certificate not served")
			}
		}
		before := main.requests()
		p := podFrom(t, privilegedPod, "restricted")
		p.Name = "after-rotation"
		forbidden(t, pods(admin, "restricted")(p), `violates PodSecurity "restricted:latest"`)
		if main.requests() <= before {
			t.Error("the API server did not call the webhook after the rotation")
		}
		if got := testutil.ToFloat64(main.srv.metrics.reloads.WithLabelValues("tls")); got != 1 {
			t.Errorf("tls reloads = %v, want 1", got)
		}
	})
	t.Run("audit annotations reach the audit log", func(t *testing.T) {
		events := readAudit(t, auditLog)
		want := []struct{ resource, name, key, value string }{
			{"deployments", "web", "pod-security.palisade.dev/audit-violations", `would violate PodSecurity "restricted:latest": privileged`},
			{"pods", "priv", "pod-security.palisade.dev/enforce-policy", "restricted:latest"},
			{"pods", "latest", "pod-security.palisade.dev/deny-violations", "[bp/image-latest]"},
			{"pods", "vendor-agent", "pod-security.palisade.dev/excepted", "pss/privileged (by exceptions.yaml:2)"},
			{"pods", "by-exempt-user", "pod-security.palisade.dev/exempt", "user"},
			{"pods", "boom", "pod-security.palisade.dev/error", "check exploded"},
		}
		for _, w := range want {
			found := false
			for _, e := range events {
				if e.ObjectRef.Resource == w.resource && e.ObjectRef.Name == w.name && strings.Contains(e.Annotations[w.key], w.value) {
					found = true
				}
			}
			if !found {
				t.Errorf("no audit event for %s/%s with %s containing %q", w.resource, w.name, w.key, w.value)
			}
		}
	})
	if n := testutil.CollectAndCount(main.srv.metrics.psaEvaluations); n == 0 {
		t.Error("no pod_security_evaluations_total series")
	}
}

type auditEvent struct {
	Stage     string `json:"stage"`
	ObjectRef struct {
		Resource, Namespace, Name string
	} `json:"objectRef"`
	Annotations map[string]string `json:"annotations"`
}

func readAudit(t *testing.T, file string) []auditEvent {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []auditEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var e auditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("audit log line: %v", err)
		}
		if e.Stage == "ResponseComplete" {
			out = append(out, e)
		}
	}
	return out
}
