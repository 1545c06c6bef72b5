package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/palisade-dev/palisade/internal/config"
)

func reviewBody(t testing.TB, req *admissionv1.AdmissionRequest) []byte {
	t.Helper()
	b, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metaV1Review,
		Request:  req,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func post(t testing.TB, h http.Handler, path, contentType string, body []byte) (int, string, *admissionv1.AdmissionReview) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	out := w.Body.String()
	if w.Code != http.StatusOK {
		return w.Code, out, nil
	}
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(w.Body.Bytes(), &review); err != nil {
		t.Fatalf("response is not an AdmissionReview: %v: %s", err, out)
	}
	return w.Code, out, &review
}

func TestHandlerBadInput(t *testing.T) {
	srv := newServer(t, setup{webhook: config.WebhookConfig{MaxRequestBytes: 4096}})
	h := srv.Handler(nil)
	valid := reviewBody(t, request(t, admissionv1.Create, restrictedPod, ""))
	tests := []struct {
		name, contentType string
		body              []byte
		code              int
		message           string
	}{
		{"garbage", "application/json", []byte("\x00\xffnot json"), 400, "palisade: body is not an AdmissionReview (admission.k8s.io/v1): invalid character"},
		{"empty", "application/json", nil, 400, "palisade: empty body"},
		{"another kind", "application/json", []byte(`{"apiVersion":"v1","kind":"Pod"}`), 400, `want apiVersion admission.k8s.io/v1, kind AdmissionReview; got apiVersion "v1", kind "Pod"`},
		{"v1beta1", "application/json", []byte(`{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"1"}}`), 400, `got apiVersion "admission.k8s.io/v1beta1"`},
		{"no request", "application/json", []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`), 400, "AdmissionReview has no request"},
		{"no uid", "application/json", []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}`), 400, "request has no uid"},
		{"too large", "application/json", append(valid[:len(valid)-1:len(valid)-1], []byte(`,"x":"`+strings.Repeat("a", 5000)+`"}`)...), 413, "request body is larger than 4096 bytes"},
		{"not json", "application/yaml", valid, 415, `Content-Type must be application/json, got "application/yaml"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body, _ := post(t, h, "/validate", tc.contentType, tc.body)
			if code != tc.code || !strings.Contains(body, tc.message) {
				t.Errorf("got %d %q, want %d with %q", code, body, tc.code, tc.message)
			}
		})
	}
	if got := testutil.ToFloat64(srv.metrics.errors.WithLabelValues(errBadRequest)); got != float64(len(tests)) {
		t.Errorf("bad_request errors = %v, want %d", got, len(tests))
	}
	r := httptest.NewRequest(http.MethodGet, "/validate", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /validate: %d", w.Code)
	}
}

func TestHandlerRoundTrip(t *testing.T) {
	var logs bytes.Buffer
	srv := newServer(t, setup{})
	srv.log = slog.New(slog.NewJSONHandler(&logs, nil))
	h := srv.Handler(nil)
	req := request(t, admissionv1.Create, privilegedPod, "")
	code, body, review := post(t, h, "/validate?timeout=10s", "application/json; charset=utf-8", reviewBody(t, req))
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if review.APIVersion != "admission.k8s.io/v1" || review.Kind != "AdmissionReview" || review.Request != nil {
		t.Errorf("review envelope: %+v", review.TypeMeta)
	}
	want{code: 403, message: []string{"violates PodSecurity"}}.check(t, review.Response, string(req.UID))

	m := srv.metrics
	for name, got := range map[string]float64{
		"requests{denied}":              testutil.ToFloat64(m.requests.WithLabelValues("create", "Pod", verdictDenied)),
		"violations{pss/privileged}":    testutil.ToFloat64(m.violations.WithLabelValues("pss/privileged", "restricted", actionPodSecurity)),
		"pod_security_evaluations_deny": testutil.ToFloat64(m.psaEvaluations.WithLabelValues("deny", "restricted", "latest", "enforce", "create", "pod", "")),
	} {
		if got != 1 {
			t.Errorf("%s = %v, want 1", name, got)
		}
	}
	if n := testutil.CollectAndCount(m.duration); n != 1 {
		t.Errorf("duration series = %d, want 1", n)
	}
}

func TestHandlerDryRunLogs(t *testing.T) {
	var logs bytes.Buffer
	srv := newServer(t, setup{dryRun: true})
	srv.log = slog.New(slog.NewJSONHandler(&logs, nil))
	_, _, review := post(t, srv.Handler(nil), "/validate", "application/json", reviewBody(t, request(t, admissionv1.Create, privilegedPod, "")))
	if !review.Response.Allowed {
		t.Fatal("dry-run denied")
	}
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log is not one JSON line: %v: %s", err, logs.String())
	}
	if line["msg"] != "would deny (dry-run)" || line["namespace"] != "restricted" || line["name"] != "priv" ||
		!strings.Contains(line["reason"].(string), "violates PodSecurity") {
		t.Errorf("log line: %v", line)
	}
	if got := testutil.ToFloat64(srv.metrics.wouldDeny.WithLabelValues("Pod", "restricted")); got != 1 {
		t.Errorf("would_deny = %v", got)
	}
	if got := testutil.ToFloat64(srv.metrics.requests.WithLabelValues("create", "Pod", verdictWouldDeny)); got != 1 {
		t.Errorf("requests{would_deny} = %v", got)
	}
}

// A review slower than the deadline is answered per the failure policy,
// on time; the slow evaluation keeps its slot until it ends.
func TestHandlerDeadline(t *testing.T) {
	srv := newServer(t, setup{
		webhook: config.WebhookConfig{Timeout: 100 * time.Millisecond, MaxInFlight: 1},
		extras: func(e Evaluator) Evaluator {
			return slowEvaluator{e, 400 * time.Millisecond, time.Now().Add(150 * time.Millisecond)}
		},
	})
	h := srv.Handler(nil)
	body := reviewBody(t, request(t, admissionv1.Create, restrictedPod, ""))
	start := time.Now()
	_, _, review := post(t, h, "/validate", "application/json", body)
	if took := time.Since(start); took > 300*time.Millisecond {
		t.Errorf("answered after %v, deadline 100ms", took)
	}
	want{code: 500, message: []string{"no verdict within", "failure policy is Fail"}}.check(t, review.Response, string(review.Response.UID))

	// The slow review still holds the only slot: the next request waits
	// for it until its own deadline, then is refused unread.
	code, text, _ := post(t, h, "/validate", "application/json", body)
	if code != http.StatusServiceUnavailable || !strings.Contains(text, "palisade: overloaded: 1 requests in flight") {
		t.Errorf("overload: %d %q", code, text)
	}

	time.Sleep(400 * time.Millisecond) // the slot is free again, and evaluations are fast
	_, _, review = post(t, h, "/validate", "application/json", body)
	want{allowed: true}.check(t, review.Response, string(review.Response.UID))
	for reason, n := range map[string]float64{errTimeout: 1, errOverload: 1} {
		if got := testutil.ToFloat64(srv.metrics.errors.WithLabelValues(reason)); got != n {
			t.Errorf("errors{%s} = %v, want %v", reason, got, n)
		}
	}
}

func TestDeadlineBelowAPIServerTimeout(t *testing.T) {
	srv := newServer(t, setup{})
	for api, want := range map[time.Duration]time.Duration{0: 8 * time.Second, 10 * time.Second: 8 * time.Second, 5 * time.Second: 4 * time.Second, time.Second: 800 * time.Millisecond} {
		if got := srv.deadline(api); got != want {
			t.Errorf("deadline(%v) = %v, want %v", api, got, want)
		}
	}
}

// Concurrent requests through the handler (run with -race): answers stay
// per request.
func TestHandlerConcurrent(t *testing.T) {
	srv := newServer(t, setup{})
	h := srv.Handler(nil)
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			obj, allowed := privilegedPod, false
			if i%2 == 0 {
				obj, allowed = restrictedPod, true
			}
			req := request(t, admissionv1.Create, obj, "")
			req.UID = types.UID(fmt.Sprintf("%s-%d", req.UID, i))
			_, _, review := post(t, h, "/validate", "application/json", reviewBody(t, req))
			if review.Response.Allowed != allowed || review.Response.UID != req.UID {
				t.Errorf("request %d: allowed %v uid %s", i, review.Response.Allowed, review.Response.UID)
			}
		}()
	}
	wg.Wait()
}

// Reviews run on reused workers, never more than MaxInFlight of them,
// however many requests come at once.
func TestReviewWorkers(t *testing.T) {
	srv := newServer(t, setup{webhook: config.WebhookConfig{MaxInFlight: 3}})
	h := srv.Handler(nil)
	body := reviewBody(t, request(t, admissionv1.Create, restrictedPod, ""))
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, text, _ := post(t, h, "/validate", "application/json", body); code != http.StatusOK && code != http.StatusServiceUnavailable {
				t.Errorf("status %d: %s", code, text)
			}
		}()
	}
	wg.Wait()
	for range 20 { // one at a time: the idle worker takes each
		post(t, h, "/validate", "application/json", body)
	}
	if n := srv.workers.Load(); n < 1 || n > 3 {
		t.Errorf("%d workers, want 1 to 3", n)
	}
}

// A reload changes the verdicts of the next requests through the same
// handler, keeps the metrics and slots, and accepts only servers built to
// replace this one.
func TestReload(t *testing.T) {
	first := newServer(t, setup{checks: []string{"bp/image-latest"}})
	h := first.Handler(nil)
	latest := strings.Replace(restrictedPod, "image: registry.example.com/app:1.0", "image: registry.example.com/app:latest", 1)
	if latest == restrictedPod {
		t.Fatal("fixture changed: no image line to replace")
	}
	body := reviewBody(t, request(t, admissionv1.Create, latest, ""))
	_, _, review := post(t, h, "/validate", "application/json", body)
	want{allowed: true, warnings: []string{"[bp/image-latest]"}}.check(t, review.Response, string(review.Response.UID))

	deny := newServer(t, setup{checks: []string{"bp/image-latest"}, webhook: config.WebhookConfig{EnforcementAction: config.ActionDeny, MaxInFlight: 99}, replaces: first})
	if err := first.Reload(deny); err != nil {
		t.Fatal(err)
	}
	_, _, review = post(t, h, "/validate", "application/json", body)
	want{code: 403, message: []string{"denied by palisade: [bp/image-latest]"}}.check(t, review.Response, string(review.Response.UID))
	if deny.metrics != first.metrics || cap(deny.inFlight) != cap(first.inFlight) || deny.cfg.MaxInFlight == 99 {
		t.Error("a reload must keep the metrics and the evaluation slots")
	}

	// Reloading from any server of the chain works; a stranger is refused.
	none := newServer(t, setup{checks: []string{"pss/*"}, replaces: deny})
	if err := first.Reload(none); err != nil {
		t.Fatal(err)
	}
	_, _, review = post(t, h, "/validate", "application/json", body)
	want{allowed: true}.check(t, review.Response, string(review.Response.UID))
	if err := first.Reload(newServer(t, setup{})); err == nil {
		t.Error("a server not built to replace this one was accepted")
	}
	if got := testutil.ToFloat64(first.metrics.reloads.WithLabelValues("palisade")); got != 2 {
		t.Errorf("reloads{palisade} = %v, want 2", got)
	}
	first.ReloadFailed(errors.New("bad yaml"))
	if got := testutil.ToFloat64(first.metrics.reloadErrs); got != 1 {
		t.Errorf("reload errors = %v", got)
	}
}

func TestHealth(t *testing.T) {
	srv := newServer(t, setup{})
	ready := false
	h := srv.Handler(func() bool { return ready })
	get := func(path string) int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		_, _ = io.Copy(io.Discard, w.Body)
		return w.Code
	}
	if get("/healthz") != 200 || get("/readyz") != 503 {
		t.Error("before sync: want healthz 200, readyz 503")
	}
	ready = true
	if get("/readyz") != 200 {
		t.Error("after sync: want readyz 200")
	}
}
