package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/palisade-dev/palisade/internal/testenv"
)

// running is a Server started with Run on loopback.
type running struct {
	srv             *Server
	url, metricsURL string
	client          *http.Client
	cancel          context.CancelFunc
	done            chan error
	certDir         string
	ca              *testenv.CA
	firstCertSerial *big.Int
}

func start(t *testing.T, srv *Server) *running {
	t.Helper()
	ca := testenv.NewCA(t)
	dir := t.TempDir()
	certFile, keyFile, serial := ca.WriteServing(t, dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{
		srv: srv, url: "https://" + ln.Addr().String(), metricsURL: "http://" + mln.Addr().String() + "/metrics",
		// A new connection per request, so each request shows the
		// certificate being served now.
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}, DisableKeepAlives: true,
		}},
		cancel: cancel, done: make(chan error, 1), certDir: dir, ca: ca, firstCertSerial: serial,
	}
	go func() {
		r.done <- srv.Run(ctx, ServeOptions{Listener: ln, MetricsListener: mln, CertFile: certFile, KeyFile: keyFile, ShutdownTimeout: 5 * time.Second})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	r.waitServing(t)
	return r
}

func (r *running) waitServing(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := r.client.Get(r.url + "/healthz"); err == nil {
			resp.Body.Close()
			return
		}
	}
	t.Fatal("server not serving")
}

// serial is the serial number of the certificate the server presents.
func (r *running) serial(t *testing.T) *big.Int {
	t.Helper()
	resp, err := r.client.Get(r.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.TLS.PeerCertificates[0].SerialNumber
}

func (r *running) metrics(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(r.metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func (r *running) review(t *testing.T, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	t.Helper()
	resp, err := r.client.Post(r.url+"/validate?timeout=10s", "application/json", bytes.NewReader(reviewBody(t, req)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var review admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&review); err != nil || review.Response == nil {
		t.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	return review.Response
}

// The serving certificate is replaced on disk (as a Secret volume or
// cert-manager replaces it) and served from the next handshake on, with
// no restart; the reload is counted.
func TestRunReloadsCertificate(t *testing.T) {
	r := start(t, newServer(t, setup{}))
	if got := r.serial(t); got.Cmp(r.firstCertSerial) != 0 {
		t.Fatalf("serving serial %v, want %v", got, r.firstCertSerial)
	}
	_, _, second := r.ca.WriteServing(t, r.certDir)
	deadline := time.Now().Add(15 * time.Second)
	for r.serial(t).Cmp(second) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the new certificate was not served within 15s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	want{allowed: true}.check(t, r.review(t, request(t, admissionv1.Create, restrictedPod, "")), "uid-good")
	m := r.metrics(t)
	for _, s := range []string{`palisade_webhook_config_reloads_total{config="tls"} 1`, `palisade_webhook_requests_total{kind="Pod",operation="create",verdict="allowed"} 1`, "certwatcher_read_certificate_total", "go_goroutines"} {
		if !strings.Contains(m, s) {
			t.Errorf("metrics lack %q", s)
		}
	}
}

// On shutdown, a review in flight is finished and answered; then the
// listener is closed and Run returns nil.
func TestRunGracefulShutdown(t *testing.T) {
	srv := newServer(t, setup{extras: func(e Evaluator) Evaluator {
		return slowEvaluator{e, 500 * time.Millisecond, time.Now().Add(time.Hour)}
	}})
	r := start(t, srv)
	got := make(chan *admissionv1.AdmissionResponse, 1)
	go func() { got <- r.review(t, request(t, admissionv1.Create, restrictedPod, "")) }()
	time.Sleep(150 * time.Millisecond) // the review is in flight
	r.cancel()
	select {
	case resp := <-got:
		want{allowed: true}.check(t, resp, "uid-good")
	case <-time.After(5 * time.Second):
		t.Fatal("in-flight review not answered during shutdown")
	}
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		r.done <- nil // for the cleanup
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	if _, err := r.client.Get(r.url + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}
