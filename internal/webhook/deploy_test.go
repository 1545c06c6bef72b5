package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	admissionregv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/pod-security-admission/admission"
	"k8s.io/pod-security-admission/admission/api/load"
	"k8s.io/pod-security-admission/api"
	"sigs.k8s.io/yaml"

	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/scan"
)

const deployDir = "../../deploy"

// collect is a scan sink keeping everything.
type collect struct {
	findings []finding.Finding
	errs     []finding.Error
}

func (c *collect) File(_ string, fs []finding.Finding, errs []finding.Error) error {
	c.findings = append(c.findings, fs...)
	c.errs = append(c.errs, errs...)
	return nil
}

// The manifests of deploy/ pass Palisade itself (SPEC: "pass palisade scan
// at restricted"): every check, Pod Security at restricted. The exceptions
// are named here; each carries its reason in the manifest.
func TestDeployPassesRestricted(t *testing.T) {
	lv := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}
	eng, err := engine.New(engine.Options{Defaults: api.Policy{Enforce: lv, Audit: lv, Warn: lv}})
	if err != nil {
		t.Fatal(err)
	}
	var got collect
	stats, err := scan.Run(context.Background(), eng, []string{deployDir}, nil, scan.Options{}, &got)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.errs) > 0 {
		t.Fatalf("deploy/ has unreadable manifests: %v", got.errs)
	}
	if stats.Resources < 10 {
		t.Fatalf("scanned %d resources; deploy/ holds more", stats.Resources)
	}
	var suppressed []string
	for _, f := range got.findings {
		if !f.Suppressed {
			t.Errorf("%s:%d: %s %s: %s (%s)", f.File, f.Line, f.Check, f.Resource, f.Message, f.Path)
			continue
		}
		// deploy/cluster-* are the cluster scan's manifests, with
		// exceptions of their own.
		if !strings.HasPrefix(filepath.Base(f.File), "cluster-") {
			suppressed = append(suppressed, f.Check+" "+f.Resource.String())
		}
	}
	slices.Sort(suppressed)
	suppressed = slices.Compact(suppressed) // both overlays hold the webhook's objects
	want := []string{
		"bp/image-not-pinned palisade-system/Deployment/palisade-webhook",
		"rbac/namespaced-sa-cluster-wide ClusterRoleBinding/palisade-webhook",
	}
	if !slices.Equal(suppressed, want) {
		t.Errorf("excepted findings %q, want %q", suppressed, want)
	}
}

// readVWC reads deploy/webhook/webhook.yaml strictly.
func readVWC(t testing.TB) *admissionregv1.ValidatingWebhookConfiguration {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(deployDir, "webhook", "webhook.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var vwc admissionregv1.ValidatingWebhookConfiguration
	if err := yaml.UnmarshalStrict(data, &vwc); err != nil {
		t.Fatal(err)
	}
	return &vwc
}

// The Pod Security webhook covers exactly what the API server's plugin
// judges (so an upstream bump that adds a kind fails here), agrees with
// the server's failure policy and deadline, and leaves out the namespaces
// needed to repair it.
func TestDeployWebhookConfiguration(t *testing.T) {
	vwc := readVWC(t)
	if len(vwc.Webhooks) != 2 || vwc.Webhooks[0].Name != "pod-security.palisade.dev" {
		t.Fatalf("webhooks: %+v", vwc.Webhooks)
	}
	psa := vwc.Webhooks[0]
	var covered []string
	for _, r := range psa.Rules {
		if !slices.Equal(r.Operations, []admissionregv1.OperationType{admissionregv1.Create, admissionregv1.Update}) {
			t.Errorf("rule %v: operations %v, want CREATE, UPDATE", r.Resources, r.Operations)
		}
		for _, res := range r.Resources {
			covered = append(covered, r.APIGroups[0]+"/"+res)
		}
	}
	wantRes := []string{"/namespaces", "/pods", "/pods/ephemeralcontainers"}
	for _, gr := range (admission.DefaultPodSpecExtractor{}).PodSpecResources() {
		if gr.Resource != "pods" {
			wantRes = append(wantRes, gr.Group+"/"+gr.Resource)
		}
	}
	slices.Sort(covered)
	slices.Sort(wantRes)
	if !slices.Equal(covered, wantRes) {
		t.Errorf("pod-security webhook covers %v, want %v", covered, wantRes)
	}

	data, err := os.ReadFile(filepath.Join(deployDir, "webhook", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cm struct{ Data map[string]string }
	if err := yaml.Unmarshal(data, &cm); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "palisade.yaml")
	if err := os.WriteFile(f, []byte(cm.Data["palisade.yaml"]), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Webhook.Validate(); err != nil {
		t.Fatal(err)
	}
	if string(*psa.FailurePolicy) != cfg.Webhook.FailurePolicy {
		t.Errorf("failurePolicy %s in webhook.yaml, %s in palisade.yaml", *psa.FailurePolicy, cfg.Webhook.FailurePolicy)
	}
	if limit := time.Duration(*psa.TimeoutSeconds) * time.Second; cfg.Webhook.Timeout >= limit {
		t.Errorf("webhook.timeout %v must be below timeoutSeconds %v", cfg.Webhook.Timeout, limit)
	}
	if _, err := load.LoadFromData([]byte(cm.Data["pod-security.yaml"])); err != nil {
		t.Errorf("pod-security.yaml: %v", err)
	}
	for _, w := range vwc.Webhooks {
		sel := w.NamespaceSelector.MatchExpressions
		if len(sel) != 1 || sel[0].Key != "kubernetes.io/metadata.name" || !slices.Equal(sel[0].Values, []string{"kube-system", "palisade-system"}) {
			t.Errorf("%s: namespaceSelector %v must leave out kube-system and palisade-system", w.Name, sel)
		}
		if *w.SideEffects != admissionregv1.SideEffectClassNone {
			t.Errorf("%s: sideEffects must be None, or dry-run requests skip the webhook", w.Name)
		}
	}
}

// hack/webhook-cert.sh makes a pair a TLS client accepts for the Service's
// name, signed by the CA it prints.
func TestWebhookCertScript(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	cmd := exec.Command("../../hack/webhook-cert.sh", dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "caBundle: ") {
		t.Errorf("stdout %q", stdout.String())
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "palisade-webhook.palisade-system.svc", Roots: pool}); err != nil {
		t.Error(err)
	}
}
