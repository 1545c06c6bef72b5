package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sync/atomic"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
)

// Handler serves /validate, /healthz and /readyz. ready reports whether
// the namespace cache has synced (and the server is not shutting down);
// nil means always ready.
func (s *Server) Handler(ready func() bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /validate", func(w http.ResponseWriter, r *http.Request) { s.Current().serveValidate(w, r) })
	mux.HandleFunc("/validate", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "palisade: /validate takes POST with an AdmissionReview (admission.k8s.io/v1)", http.StatusMethodNotAllowed)
	})
	// Liveness says only that the process serves HTTP: restarting a pod
	// whose API server is unreachable would not help.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if ready != nil && !ready() {
			http.Error(w, "not ready: namespace cache not synced, or shutting down", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ok\n")
	})
	return mux
}

// serveValidate decodes an AdmissionReview, judges it within the request
// deadline and a concurrency slot, and answers. Bad input is a 4xx with a
// message saying what was wrong; everything else is a 200 with a response,
// as the API server expects.
//
// The slot is taken before the body is read, so memory is bounded by
// MaxInFlight bodies of at most MaxRequestBytes whoever sends them (the
// port is reachable from inside the cluster, not only by the API server).
func (s *Server) serveValidate(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	defer func() {
		// Review recovers its own panics; this is for the code around it,
		// so a bug here costs one request, not the connection's goroutine
		// printing a stack to stderr.
		if p := recover(); p != nil {
			s.metrics.errors.WithLabelValues(errPanic).Inc()
			s.log.Error("panic in the HTTP handler", "panic", fmt.Sprint(p))
			http.Error(w, "palisade: internal error", http.StatusInternalServerError)
		}
	}()
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "application/json" {
		s.badRequest(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json, got %q", r.Header.Get("Content-Type"))
		return
	}
	apiTimeout, _ := time.ParseDuration(r.URL.Query().Get("timeout"))
	ctx, cancel := context.WithTimeout(r.Context(), s.deadline(apiTimeout))
	defer cancel()
	if !s.acquire(ctx) {
		// Unread, the request cannot be answered with a response of its
		// own; the API server applies its failure policy to a 503.
		s.metrics.errors.WithLabelValues(errOverload).Inc()
		s.log.Error("no free evaluation slot before the deadline", "inFlight", cap(s.inFlight))
		http.Error(w, fmt.Sprintf("palisade: overloaded: %d requests in flight", cap(s.inFlight)), http.StatusServiceUnavailable)
		return
	}
	released := false
	defer func() {
		if !released {
			s.release()
		}
	}()
	body, err := readBody(w, r, s.cfg.MaxRequestBytes)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.badRequest(w, http.StatusRequestEntityTooLarge, "request body is larger than %d bytes (webhook.maxRequestBytes)", s.cfg.MaxRequestBytes)
			return
		}
		s.badRequest(w, http.StatusBadRequest, "reading the request body: %v", err)
		return
	}
	review, err := decodeReview(body)
	if err != nil {
		s.badRequest(w, http.StatusBadRequest, "%v", err)
		return
	}
	released = true // the review's goroutine releases the slot when it ends
	req := review.Request
	resp := s.reviewWithin(ctx, req, start)
	review.Request, review.Response = nil, resp
	w.Header().Set("Content-Type", "application/json")
	out, err := encodeJSON(review)
	if err == nil {
		_, err = w.Write(append(out, '\n'))
	}
	if err != nil {
		s.metrics.errors.WithLabelValues(errWrite).Inc()
		s.log.Error("writing the response", append(requestAttrs(req), "error", err.Error())...)
	}
}

// reviewWithin runs Review on its own goroutine and waits for it or the
// deadline, whichever comes first. The checks are CPU work that takes no
// context, so a slow one cannot be stopped; instead it keeps its slot until
// it ends (so runaway work stays bounded by MaxInFlight) while the request
// is answered per the failure policy.
func (s *Server) reviewWithin(ctx context.Context, req *admissionv1.AdmissionRequest, start time.Time) *admissionv1.AdmissionResponse {
	done := make(chan *admissionv1.AdmissionResponse, 1)
	var timedOut atomic.Bool
	s.runReview(func() {
		defer s.release()
		resp := s.safeReview(ctx, req)
		if timedOut.Load() {
			s.log.Warn("a review finished after its deadline", append(requestAttrs(req), "took", time.Since(start).String())...)
		}
		done <- resp
	})
	select {
	case resp := <-done:
		return s.finish(req, resp, start)
	case <-ctx.Done():
		timedOut.Store(true)
		s.metrics.errors.WithLabelValues(errTimeout).Inc()
		s.log.Error("review deadline passed; answered per the failure policy", requestAttrs(req)...)
		return s.finish(req, s.failure(req, fmt.Errorf("no verdict within %v", time.Since(start).Round(time.Millisecond))), start)
	}
}

// runReview runs f on a worker goroutine: an idle one if any, else a new
// one, which then stays to take later reviews. A review recurses deeply
// (Rego evaluation), and a fresh goroutine per request grew its stack from
// the minimum each time: stack copying was 9% of the server's CPU under
// load. Workers never outnumber the evaluation slots, since each review
// holds a slot until it returns (and a worker is only started when none
// is idle and fewer than MaxInFlight exist).
func (s *Server) runReview(f func()) {
	select {
	case s.idle <- f:
		return
	default:
	}
	if s.workers.Add(1) <= int64(cap(s.inFlight)) {
		go func() {
			for {
				f()
				f = <-s.idle
			}
		}()
		return
	}
	// Every worker exists and the caller holds a slot, so one of them has
	// finished its review and is on its way back to idle.
	s.workers.Add(-1)
	s.idle <- f
}

// readBody reads at most limit bytes of the request body, into a buffer
// sized from Content-Length when the client sent one (the API server
// does): io.ReadAll's growth from 512 bytes was 5% of a review's
// allocation.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, limit)
	if n := r.ContentLength; n > 0 && n <= limit {
		buf := bytes.NewBuffer(make([]byte, 0, n+bytes.MinRead))
		_, err := buf.ReadFrom(body)
		return buf.Bytes(), err
	}
	return io.ReadAll(body)
}

// decodeReview reads an AdmissionReview v1 with a request, or says why not.
func decodeReview(body []byte) (*admissionv1.AdmissionReview, error) {
	if len(body) == 0 {
		return nil, errors.New("empty body: want an AdmissionReview (admission.k8s.io/v1)")
	}
	var review admissionv1.AdmissionReview
	if err := decodeJSON(body, &review); err != nil {
		return nil, fmt.Errorf("body is not an AdmissionReview (admission.k8s.io/v1): %v", err)
	}
	if review.APIVersion != admissionv1.SchemeGroupVersion.String() || review.Kind != "AdmissionReview" {
		return nil, fmt.Errorf("want apiVersion admission.k8s.io/v1, kind AdmissionReview; got apiVersion %q, kind %q", review.APIVersion, review.Kind)
	}
	if review.Request == nil {
		return nil, errors.New("AdmissionReview has no request")
	}
	if review.Request.UID == "" {
		return nil, errors.New("AdmissionReview request has no uid")
	}
	return &review, nil
}

func (s *Server) badRequest(w http.ResponseWriter, code int, format string, args ...any) {
	msg := "palisade: " + fmt.Sprintf(format, args...)
	s.metrics.errors.WithLabelValues(errBadRequest).Inc()
	s.log.Warn("bad request", "status", code, "error", msg)
	http.Error(w, msg, code)
}
