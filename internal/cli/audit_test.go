package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/palisade-dev/palisade/internal/auditlog"
	"github.com/palisade-dev/palisade/internal/detect"
	"github.com/palisade-dev/palisade/internal/testenv"
)

// auditPolicy records the objects the detections look into (pods, secrets,
// bindings) in full, and everything else at Metadata level, as the issue's
// recommended policy does.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: RequestResponse
  resources:
  - group: ""
    resources: [pods, secrets]
  - group: rbac.authorization.k8s.io
    resources: [clusterrolebindings, rolebindings]
- level: Metadata
`

// webhookKubeconfig points the API server's audit webhook backend at url.
const webhookKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: palisade
  cluster: {server: %q}
contexts:
- name: palisade
  context: {cluster: palisade, user: api-server}
current-context: palisade
users:
- name: api-server
`

// key is what the integration test compares: which check fired, for whom,
// on what.
type key struct{ check, user, object string }

func keyOf(a detect.Alert) key {
	obj := a.Resource.Kind + " " + a.Resource.Name
	if a.Resource.Namespace != "" {
		obj = a.Resource.Kind + " " + a.Resource.Namespace + "/" + a.Resource.Name
	}
	return key{a.Check, a.User, obj}
}

// TestAuditRealAPIServer starts kube-apiserver with an audit policy, the
// log backend, and the webhook backend pointed at palisade's handler; does
// what attackers do through client-go and plain HTTP; then runs
// `palisade audit` on the log the API server wrote and checks that every
// expected detection fired and nothing else did (the API server's own
// loopback client bootstraps roles, bindings and namespaces while this
// runs). The webhook backend must see the same findings.
func TestAuditRealAPIServer(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "audit.log")
	policyPath := filepath.Join(dir, "policy.yaml")
	hookPath := filepath.Join(dir, "webhook.kubeconfig")

	var hookOut, hookErr syncBuffer
	s, _, err := newStreamer(auditFlags{}, "webhook", &hookOut, &hookErr)
	if err != nil {
		t.Fatal(err)
	}
	// The handler of `audit serve`, with a note of when the last request
	// of the test has arrived.
	markerSeen := make(chan struct{})
	var once sync.Once
	hook := httptest.NewServer(auditlog.Handler(func(r auditlog.Record) error {
		if strings.Contains(r.Event.RequestURI, "end-of-test-marker") && r.Event.Stage == "ResponseComplete" {
			defer once.Do(func() { close(markerSeen) })
		}
		return s.emit(r)
	}, s.fail))
	defer hook.Close()
	writeFile(t, policyPath, auditPolicy)
	writeFile(t, hookPath, fmt.Sprintf(webhookKubeconfig, hook.URL))

	env := testenv.Start(t, testenv.Options{APIServerFlags: map[string]string{
		"audit-policy-file":             policyPath,
		"audit-log-path":                logPath,
		"audit-log-mode":                "blocking-strict",
		"audit-webhook-config-file":     hookPath,
		"audit-webhook-mode":            "blocking",
		"audit-webhook-initial-backoff": "1s",
		"anonymous-auth":                "true",
	}})
	ctx := context.Background()
	admin := kubernetes.NewForConfigOrDie(env.Config)
	// envtest returns once the default namespace exists; /readyz also
	// waits for the RBAC bootstrap, which the anonymous calls below need.
	// Polled as admin: these requests are neither anonymous nor refused.
	for deadline := time.Now().Add(30 * time.Second); ; {
		if _, err := admin.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("API server not ready: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	must(admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{}))
	plain := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}
	must(admin.CoreV1().Pods("shop").Create(ctx, plain, metav1.CreateOptions{}))
	root := plain.DeepCopy()
	root.Name = "root"
	root.Spec.HostNetwork = true
	root.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
	must(admin.CoreV1().Pods("shop").Create(ctx, root, metav1.CreateOptions{}))

	// Exec: no kubelet, so the connection fails after authorization, and
	// the attempt is still in the log.
	res := admin.CoreV1().RESTClient().Post().Namespace("shop").Resource("pods").Name("web").
		SubResource("exec").Param("command", "sh").Param("container", "c").Param("stdout", "true").Do(ctx)
	if res.Error() == nil {
		t.Fatal("exec without a kubelet succeeded")
	}

	// A limited user allowed to read secrets in shop reads them.
	must(admin.CoreV1().Secrets("shop").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db"},
		StringData: map[string]string{"password": "hunter2"}}, metav1.CreateOptions{}))
	must(admin.RbacV1().Roles("shop").Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "secret-reader"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list"}}}}, metav1.CreateOptions{}))
	must(admin.RbacV1().RoleBindings("shop").Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "reader"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "secret-reader"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "reader"}}}, metav1.CreateOptions{}))
	reader := kubernetes.NewForConfigOrDie(env.AddUser(t, "reader"))
	must(reader.CoreV1().Secrets("shop").Get(ctx, "db", metav1.GetOptions{}))
	must(reader.CoreV1().Secrets("shop").List(ctx, metav1.ListOptions{}))

	// Anonymous calls over plain HTTPS: /version is allowed by the default
	// public-info-viewer binding, /readyz too (a health path: not reported),
	// a namespace list is forbidden.
	anon, err := rest.HTTPClientFor(env.Anonymous())
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"/version": 200, "/readyz": 200, "/api/v1/namespaces": 403} {
		resp, err := anon.Get(strings.TrimSuffix(env.Config.Host, "/") + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("anonymous GET %s: %d, want %d: %s", path, resp.StatusCode, want, body)
		}
	}

	// A user with no rights at all probes: 12 forbidden requests.
	mallory := kubernetes.NewForConfigOrDie(env.AddUser(t, "mallory"))
	for range 12 {
		if _, err := mallory.CoreV1().Secrets("shop").List(ctx, metav1.ListOptions{}); err == nil {
			t.Fatal("mallory may list secrets")
		}
	}

	// cluster-admin for someone.
	must(admin.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "ops-admin"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "bob"}}}, metav1.CreateOptions{}))

	// The last request: once its ResponseComplete event is in the log,
	// everything before it is too.
	_, _ = admin.CoreV1().Namespaces().Get(ctx, "end-of-test-marker", metav1.GetOptions{})
	waitForLog(t, logPath, "end-of-test-marker")

	// The log must hold the API server's own bootstrap work (roles,
	// bindings, namespaces by system:apiserver), or "nothing else fired"
	// below would prove nothing.
	if b, _ := os.ReadFile(logPath); !bytes.Contains(b, []byte(`"verb":"create","user":{"username":"system:apiserver"`)) {
		t.Fatal("the audit log has no creates by system:apiserver")
	}

	var out, errOut bytes.Buffer
	code := Main(ctx, []string{"audit", "-o", "jsonl", "--fail-on", "high", logPath}, nil, &out, &errOut)
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d (critical findings); stderr:\n%s", code, ExitFindings, errOut.String())
	}
	got := decodeAlerts(t, out.Bytes())
	want := []key{
		{"audit/privileged-pod", "admin", "Pod shop/root"},
		{"audit/pod-exec", "admin", "Pod shop/web"},
		{"audit/secret-read", "reader", "Secret shop/db"},
		{"audit/secret-read", "reader", "Secret shop/"},
		{"audit/anonymous-allowed", "system:anonymous", "NonResourceURL /version"},
		{"audit/forbidden-burst", "mallory", "Secret shop/"},
		{"audit/forbidden-burst", "mallory", "Secret shop/"}, // per user and per address
		{"audit/privileged-binding", "admin", "ClusterRoleBinding ops-admin"},
	}
	assertKeys(t, "log backend", got, want)
	for _, a := range got {
		if a.Check == "audit/privileged-pod" && !strings.Contains(a.Message, "pss/privileged: privileged") ||
			a.Check == "audit/privileged-pod" && !strings.Contains(a.Message, "pss/hostNamespaces: host namespaces") {
			t.Errorf("privileged-pod message lacks the upstream checks: %s", a.Message)
		}
	}

	// The webhook backend was sent the same events as they happened.
	select {
	case <-markerSeen:
	case <-time.After(30 * time.Second):
		t.Fatal("the webhook backend never received the last request")
	}
	viaHook := decodeAlerts(t, []byte(hookOut.String()))
	assertKeys(t, "webhook backend", viaHook, want)
	if hookErr.String() != "" {
		t.Errorf("webhook backend reported errors:\n%s", hookErr.String())
	}
}

func assertKeys(t *testing.T, what string, got []detect.Alert, want []key) {
	t.Helper()
	var g []key
	for _, a := range got {
		g = append(g, keyOf(a))
	}
	less := func(a, b key) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) }
	slices.SortFunc(g, less)
	w := slices.Clone(want)
	slices.SortFunc(w, less)
	if !slices.Equal(g, w) {
		var msgs []string
		for _, a := range got {
			msgs = append(msgs, a.Check+" "+a.Message)
		}
		t.Errorf("%s: findings\n%v\nwant\n%v\nmessages:\n%s", what, g, w, strings.Join(msgs, "\n"))
	}
}

func decodeAlerts(t *testing.T, b []byte) []detect.Alert {
	t.Helper()
	var out []detect.Alert
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var a detect.Alert
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("not a JSON line: %q: %v", sc.Text(), err)
		}
		out = append(out, a)
	}
	return out
}

func waitForLog(t *testing.T, path, marker string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(path)
		for l := range strings.SplitSeq(string(b), "\n") {
			if strings.Contains(l, marker) && strings.Contains(l, `"stage":"ResponseComplete"`) {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never logged %q", path, marker)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is written by the HTTP handler's goroutines and read by the
// test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startAudit runs `palisade args...` until the returned stop is called and
// returns what it printed; ready is the first "http://..." address it
// announced on stderr for each of wantAddrs.
func startAudit(t *testing.T, args []string, wantAddrs int) (addrs []string, stdout *syncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	code := make(chan int, 1)
	go func() { code <- Main(ctx, args, nil, stdout, stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(addrs) < wantAddrs && time.Now().Before(deadline) {
		addrs = addrs[:0]
		for l := range strings.SplitSeq(stderr.String(), "\n") {
			if _, url, ok := strings.Cut(l, " on http"); ok {
				addrs = append(addrs, "http"+url)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(addrs) < wantAddrs {
		cancel()
		t.Fatalf("palisade %v did not start: %s", args, stderr.String())
	}
	return addrs, stdout, func() int {
		cancel()
		select {
		case c := <-code:
			return c
		case <-time.After(10 * time.Second):
			t.Fatal("palisade did not stop")
			return -1
		}
	}
}

// TestAuditServeMatchesFile feeds a generated log to `palisade audit serve`
// as the webhook backend would (EventList batches of 400) and checks that
// it reports exactly what `palisade audit FILE -o jsonl` reports, and that
// its metrics count the events and findings.
func TestAuditServeMatchesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	var log bytes.Buffer
	if err := auditlog.Generate(&log, 20_000, auditlog.GenerateOptions{}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, log.String())
	var fileOut bytes.Buffer
	if code := Main(context.Background(), []string{"audit", "-o", "jsonl", "--fail-on", "none", path}, nil, &fileOut, io.Discard); code != 0 {
		t.Fatalf("file run exited %d", code)
	}
	fromFile := decodeAlerts(t, fileOut.Bytes())
	if len(fromFile) < 100 {
		t.Fatalf("only %d findings in the generated log", len(fromFile))
	}

	addrs, out, stop := startAudit(t, []string{"audit", "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, 2)
	metricsURL, hookURL := addrs[0], addrs[1]
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	for i := 0; i < len(lines); i += 400 {
		batch := `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[` + strings.Join(lines[i:min(i+400, len(lines))], ",") + "]}"
		resp, err := http.Post(hookURL, "application/json", strings.NewReader(batch))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("batch %d: status %d", i/400, resp.StatusCode)
		}
	}
	// A repeated batch (the API server retrying) adds nothing.
	resp, err := http.Post(hookURL, "application/json", strings.NewReader(`{"kind":"EventList","items":[`+lines[len(lines)-1]+"]}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	resp, err = http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	fromServe := decodeAlerts(t, []byte(out.String()))
	msgs := func(as []detect.Alert) []string {
		var s []string
		for _, a := range as {
			s = append(s, a.Check+" "+a.Message+" "+a.AuditID)
		}
		return s
	}
	if !slices.Equal(msgs(fromServe), msgs(fromFile)) {
		t.Errorf("serve reported %d findings, the file run %d; they differ", len(fromServe), len(fromFile))
	}
	for _, want := range []string{
		`palisade_audit_events_total{outcome="examined"} 19500`,
		`palisade_audit_events_total{outcome="other_stage"} 500`,
		`palisade_audit_events_total{outcome="duplicate"} 1`,
		fmt.Sprintf(`palisade_audit_findings_total{check="audit/anonymous-allowed",severity="high",suppressed="false"} %d`, 40),
	} {
		if !strings.Contains(string(metrics), want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestAuditFollow runs `palisade audit --follow` on a growing file.
func TestAuditFollow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	writeFile(t, path, "")
	_, out, stop := startAudit(t, []string{"audit", "--follow", path, "-o", "text", "--metrics-addr", "127.0.0.1:0"}, 1)
	var log bytes.Buffer
	if err := auditlog.Generate(&log, 1000, auditlog.GenerateOptions{}); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Write(log.Bytes())
	f.Close()
	want := path + `:1000: HIGH audit/anonymous-allowed request by an unauthenticated user allowed: user "system:anonymous" from 203.0.113.5 get /version (200) at 2026-01-01T00:00:00.999000Z`
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), want) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if code := stop(); code != 0 {
		t.Fatalf("follow exited %d", code)
	}
	if !strings.Contains(out.String(), want+"\n") {
		t.Fatalf("follow output lacks\n%s\ngot\n%s", want, out.String())
	}
}

// TestAuditServeTLS serves the webhook backend over HTTPS, as the API
// server requires in production.
func TestAuditServeTLS(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "palisade"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})))

	addrs, out, stop := startAudit(t, []string{"audit", "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "",
		"--tls-cert-file", certFile, "--tls-private-key-file", keyFile}, 1)
	if !strings.HasPrefix(addrs[0], "https://127.0.0.1:") {
		t.Fatalf("announced %q, want https", addrs[0])
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	event := `{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"t1","stage":"ResponseComplete","requestURI":"/api/v1/nodes/n1/proxy/","verb":"get",` +
		`"user":{"username":"eve"},"sourceIPs":["10.0.0.9"],"objectRef":{"resource":"nodes","name":"n1","subresource":"proxy","apiVersion":"v1"},` +
		`"responseStatus":{"code":200},"stageTimestamp":"2026-11-26T10:00:00.000000Z"}`
	resp, err := client.Post(addrs[0], "application/json", strings.NewReader(`{"kind":"EventList","items":[`+event+`]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code := stop(); code != 0 || resp.StatusCode != 200 {
		t.Fatalf("status %d, exit %d", resp.StatusCode, code)
	}
	want := `webhook:1: HIGH audit/node-proxy kubelet API reached through nodes/proxy: user "eve" from 10.0.0.9 get nodes/proxy n1 (200) at 2026-11-26T10:00:00.000000Z`
	if got := decodeAlerts(t, []byte(out.String())); len(got) != 1 || fmt.Sprintf("%s:%d: %s %s %s", got[0].File, got[0].Line, strings.ToUpper(got[0].Severity.String()), got[0].Check, got[0].Message) != want {
		t.Fatalf("got %+v, want %s", got, want)
	}
}
