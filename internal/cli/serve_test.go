package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/palisade-dev/palisade/internal/testenv"
)

// serveLog is a bytes.Buffer safe to write from the server's goroutines
// while the test reads it.
type serveLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *serveLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *serveLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServeCommand runs `palisade serve` as a user would, against a real
// API server: it becomes ready once the namespace cache syncs, answers an
// AdmissionReview with upstream's verdict, serves metrics, logs JSON lines,
// and exits 0 on shutdown.
func TestServeCommand(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	dir := t.TempDir()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["c"] = &clientcmdapi.Cluster{Server: env.Config.Host, CertificateAuthorityData: env.Config.CAData}
	kc.AuthInfos["u"] = &clientcmdapi.AuthInfo{ClientCertificateData: env.Config.CertData, ClientKeyData: env.Config.KeyData}
	kc.Contexts["c"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u"}
	kc.CurrentContext = "c"
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, kubeconfig); err != nil {
		t.Fatal(err)
	}
	ca := testenv.NewCA(t)
	certFile, keyFile, _ := ca.WriteServing(t, dir)
	addr, metrics := freePort(t), freePort(t)
	cfgDir := filepath.Join(dir, "config")
	cfgFile := filepath.Join(cfgDir, "palisade.yaml")
	writeConfig := func(text string) {
		t.Helper()
		if err := os.MkdirAll(cfgDir, 0o755); err != nil {
			t.Fatal(err)
		}
		// As a ConfigMap volume updates: write aside, then rename over.
		tmp := cfgFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, cfgFile); err != nil {
			t.Fatal(err)
		}
	}
	writeConfig("webhook:\n  enforcementAction: warn\n")

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	// start runs serve until the returned cancel, and waits for /readyz.
	start := func(stderr *serveLog) (context.CancelFunc, chan int) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		code := make(chan int, 1)
		go func() {
			code <- Main(ctx, []string{"serve", "--addr", addr, "--metrics-addr", metrics, "--kubeconfig", kubeconfig,
				"--tls-cert-file", certFile, "--tls-private-key-file", keyFile, "--config", cfgFile}, nil, io.Discard, stderr)
		}()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			resp, err := client.Get("https://" + addr + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("not ready: %v\n%s", err, stderr.String())
			}
		}
		return cancel, code
	}
	var stderr serveLog
	cancel, code := start(&stderr)
	ctx := context.Background()

	// kube-system exists and has no Pod Security labels: upstream's
	// defaults (privileged) admit a privileged pod, and name the policy.
	body := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1",
	"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
	"namespace":"kube-system","name":"p","operation":"CREATE","userInfo":{"username":"alice"},
	"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"kube-system"},
	"spec":{"containers":[{"name":"c","image":"busybox:1.36","securityContext":{"privileged":true}}]}}}}`
	reviewOf := func(body string) *admissionv1.AdmissionResponse {
		t.Helper()
		resp, err := client.Post("https://"+addr+"/validate", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var review admissionv1.AdmissionReview
		if err := json.NewDecoder(resp.Body).Decode(&review); err != nil {
			t.Fatal(err)
		}
		return review.Response
	}
	review := func() *admissionv1.AdmissionResponse { t.Helper(); return reviewOf(body) }
	if r := review(); r == nil || r.UID != "u1" || !r.Allowed || r.AuditAnnotations["enforce-policy"] != "privileged:latest" || len(r.Warnings) == 0 {
		t.Errorf("response %+v", r)
	}
	scrape := func() string {
		t.Helper()
		mresp, err := http.Get("http://" + metrics + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer mresp.Body.Close()
		m, _ := io.ReadAll(mresp.Body)
		return string(m)
	}
	if m := scrape(); !strings.Contains(m, `palisade_webhook_requests_total{kind="Pod",operation="create",verdict="allowed"} 1`) {
		t.Errorf("metrics:\n%s", m)
	}

	// The configuration is reloaded when its file changes: the same
	// request is now denied on the checks that only warned.
	writeConfig("webhook:\n  enforcementAction: deny\n")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if r := review(); !r.Allowed && strings.Contains(r.Result.Message, "denied by palisade: [bp/") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("configuration not reloaded:\n%s", stderr.String())
		}
	}
	// A change that does not load is refused, and the last good one stays.
	writeConfig("webhook:\n  enforcementAction: maybe\n")
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(scrape(), "palisade_webhook_config_reload_errors_total 1"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the broken configuration was not reported:\n%s", stderr.String())
		}
	}
	if r := review(); r.Allowed {
		t.Error("a broken configuration replaced the last good one")
	}
	if m := scrape(); !strings.Contains(m, `palisade_webhook_config_reloads_total{config="palisade"} 1`) {
		t.Errorf("metrics:\n%s", m)
	}

	// A reload bringing a referential policy: the Ingresses of the cluster
	// are synced into data.inventory, and an Ingress claiming the host of
	// one stored is denied.
	policyDir, err := filepath.Abs("../../policies/examples/ingress-unique-host")
	if err != nil {
		t.Fatal(err)
	}
	writeConfig("webhook:\n  enforcementAction: warn\npolicies: [" + policyDir + "]\n")
	_, err = kubernetes.NewForConfigOrDie(env.Config).NetworkingV1().Ingresses("default").Create(ctx, &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "default"},
		Spec:       networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: "shop.example.com"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ingressB := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u2",
	"kind":{"group":"networking.k8s.io","version":"v1","kind":"Ingress"},"resource":{"group":"networking.k8s.io","version":"v1","resource":"ingresses"},
	"namespace":"default","name":"b","operation":"CREATE","userInfo":{"username":"alice"},
	"object":{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"b","namespace":"default"},
	"spec":{"rules":[{"host":"shop.example.com"}]}}}}`
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if r := reviewOf(ingressB); !r.Allowed && strings.Contains(r.Result.Message, "ingress host shop.example.com is served by ingress default/a already") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the referential policy did not see the cluster's Ingress:\n%s", stderr.String())
		}
	}

	cancel()
	select {
	case c := <-code:
		if c != ExitOK {
			t.Errorf("exit code %d\n%s", c, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	sc := bufio.NewScanner(strings.NewReader(stderr.String()))
	lines := 0
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", sc.Text())
			continue
		}
		lines++
	}
	if lines == 0 || !strings.Contains(stderr.String(), `"msg":"serving admission reviews"`) || !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Errorf("logs:\n%s", stderr.String())
	}

	// Started with the referential policy in its configuration, serve is
	// ready only once the cluster's Ingresses are in data.inventory: the
	// very first review sees ingress a.
	var again serveLog
	cancel, code = start(&again)
	defer func() { cancel(); <-code }()
	if r := reviewOf(ingressB); r.Allowed || !strings.Contains(r.Result.Message, "is served by ingress default/a already") {
		t.Errorf("first review after /readyz: %+v\n%s", r, again.String())
	}
}

func TestWatchedFilesRelevant(t *testing.T) {
	wf := watchedFiles{
		files: map[string]bool{"/etc/palisade/palisade.yaml": true, "/etc/palisade": true},
		dirs:  map[string]bool{"/policies": true},
	}
	for name, want := range map[string]bool{
		"/etc/palisade/palisade.yaml":              true,
		"/etc/palisade/..data":                     true, // a ConfigMap volume update
		"/etc/palisade/..2026_11_27_00_00_00.1234": true,
		"/etc/palisade/other.txt":                  false,
		"/etc/palisade/palisade.yaml.swp":          false,
		"/policies/pods.rego":                      true,
		"/policies/lib/helpers.rego":               true,
		"/policies-old/pods.rego":                  false,
		"/work/app.log":                            false,
	} {
		if got := wf.relevant(name); got != want {
			t.Errorf("relevant(%q) = %v, want %v", name, got, want)
		}
	}
}
