package webhook

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/palisade-dev/palisade/internal/config"
)

// Audit annotation keys palisade adds to upstream's (enforce-policy,
// audit-violations, exempt, error). The API server prefixes each with the
// webhook's name, e.g. "pod-security.palisade.dev/deny-violations".
const (
	annotationDeny      = "deny-violations"
	annotationWarn      = "warn-violations"
	annotationDryRun    = "dryrun-violations"
	annotationExcepted  = "excepted"
	annotationWouldDeny = "would-deny"
	annotationError     = "error"
)

// actionPodSecurity labels upstream's Pod Security violations in metrics.
const actionPodSecurity = "pod-security"

// Review answers one admission request. It never panics: a panic anywhere
// in the evaluation is recovered and answered per the failure policy, and
// under dry-run nothing is denied. The response's UID is the request's.
func (s *Server) Review(ctx context.Context, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	start := time.Now()
	return s.finish(req, s.safeReview(ctx, req), start)
}

// safeReview is review with panics turned into failure-policy answers.
func (s *Server) safeReview(ctx context.Context, req *admissionv1.AdmissionRequest) (resp *admissionv1.AdmissionResponse) {
	defer func() {
		if p := recover(); p != nil {
			s.metrics.errors.WithLabelValues(errPanic).Inc()
			s.log.Error("panic while reviewing a request; answered per the failure policy",
				append(requestAttrs(req), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))...)
			resp = s.failure(req, fmt.Errorf("internal error: %v", p))
		}
	}()
	return s.review(ctx, req)
}

func (s *Server) review(ctx context.Context, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	d := s.decode(req)
	psaResp, ev := s.podSecurity(ctx, d)
	ex := s.evaluateExtras(ctx, d)
	ex.errs = append(d.errs, ex.errs...)
	return s.merge(req, psaResp, ev, ex)
}

// applies reports whether upstream's admission judges this resource: the
// test of the API server's built-in plugin (pods, namespaces, and the
// resources upstream's extractor knows), for CREATE and UPDATE only.
func (s *Server) applies(req *admissionv1.AdmissionRequest) bool {
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return false
	}
	gr := schema.GroupResource{Group: req.Resource.Group, Resource: req.Resource.Resource}
	return gr == corev1.Resource("pods") || gr == corev1.Resource("namespaces") || s.psa.PodSpecExtractor.HasPodSpec(gr)
}

// podSecurity runs upstream's admission with a per-request evaluator that
// applies Palisade exceptions. Upstream's Admission is copied, not
// mutated: its fields are read-only after configuration, so the copy is
// cheap and shares everything but the evaluator.
func (s *Server) podSecurity(ctx context.Context, d *decoded) (*admissionv1.AdmissionResponse, *exceptingEvaluator) {
	req := d.req
	if !d.judged {
		return nil, nil
	}
	ev := &exceptingEvaluator{pss: s.engine.PSS(), list: s.except, now: s.now()}
	switch req.Resource.Resource {
	case "namespaces":
		ev.subj = subject{kind: "Namespace", fromMeta: true}
	case "pods":
		ev.subj = subject{kind: "Pod", namespace: req.Namespace, name: req.Name, fromMeta: true}
	default:
		ev.subj = subject{kind: req.Kind.Kind, namespace: req.Namespace, name: req.Name}
		if d.obj != nil {
			ev.subj.annotations = d.obj.Annotations
		}
	}
	adm := *s.psa
	adm.Evaluator = ev
	return adm.Validate(ctx, d), ev
}

// merge combines upstream's answer with the extras. Upstream's response
// may be shared between requests, so it is copied before any change.
func (s *Server) merge(req *admissionv1.AdmissionRequest, psa *admissionv1.AdmissionResponse, ev *exceptingEvaluator, ex extrasResult) *admissionv1.AdmissionResponse {
	resp := &admissionv1.AdmissionResponse{Allowed: true}
	annotations := map[string]string{}
	if psa != nil {
		resp.Allowed = psa.Allowed
		if psa.Result != nil {
			r := *psa.Result
			resp.Result = &r
		}
		resp.Warnings = append(resp.Warnings, psa.Warnings...)
		for k, v := range psa.AuditAnnotations {
			annotations[k] = v
		}
	}
	ns := req.Namespace
	if ev != nil {
		for _, id := range ev.failed {
			s.metrics.violations.WithLabelValues(id, ns, actionPodSecurity).Inc()
		}
		resp.Warnings = append(resp.Warnings, ev.expired...)
		resp.Warnings = append(resp.Warnings, ev.badNote...)
		ex.excepted = append(ex.excepted, ev.excepted...)
	}
	for action, ids := range ex.ids {
		for _, id := range ids {
			s.metrics.violations.WithLabelValues(id, ns, action).Inc()
		}
	}
	if len(ex.warn) > 0 {
		resp.Warnings = append(resp.Warnings, ex.warn...)
		annotations[annotationWarn] = strings.Join(ex.warn, "; ")
	}
	if len(ex.dryrun) > 0 {
		annotations[annotationDryRun] = strings.Join(ex.dryrun, "; ")
	}
	if len(ex.excepted) > 0 {
		annotations[annotationExcepted] = strings.Join(ex.excepted, "; ")
	}
	if len(ex.errs) > 0 {
		msg := "palisade: " + strings.Join(ex.errs, "; ")
		if prev := annotations[annotationError]; prev != "" {
			msg = prev + "; " + msg
		}
		annotations[annotationError] = msg
		s.metrics.errors.WithLabelValues(errEvaluation).Inc()
	}
	if len(ex.deny) > 0 {
		annotations[annotationDeny] = strings.Join(ex.deny, "; ")
		text := "denied by palisade: " + strings.Join(ex.deny, "; ")
		if resp.Allowed {
			resp.Allowed = false
			gr := schema.GroupResource{Group: req.Resource.Group, Resource: req.Resource.Resource}
			resp.Result = &apierrors.NewForbidden(gr, req.Name, fmt.Errorf("%s", text)).ErrStatus
		} else if resp.Result != nil {
			// Upstream's message stays first and intact; clients and tests
			// match on it.
			resp.Result.Message += "; " + text
		}
	}
	if len(annotations) > 0 {
		resp.AuditAnnotations = annotations
	}
	return resp
}

// failure is the answer to a request that could not be judged (a panic,
// the deadline, no free slot), per the configured failure policy.
func (s *Server) failure(req *admissionv1.AdmissionRequest, err error) *admissionv1.AdmissionResponse {
	msg := fmt.Sprintf("palisade could not evaluate this request: %v", err)
	resp := &admissionv1.AdmissionResponse{AuditAnnotations: map[string]string{annotationError: msg}}
	if s.cfg.FailurePolicy == config.FailurePolicyIgnore {
		resp.Allowed = true
		resp.Warnings = []string{msg + "; admitted because the failure policy is Ignore"}
		return resp
	}
	resp.Result = &metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusInternalServerError, Reason: metav1.StatusReasonInternalError,
		Message: msg + "; denied because the failure policy is Fail",
	}
	return resp
}

// finish applies dry-run, sets the UID, and records metrics.
func (s *Server) finish(req *admissionv1.AdmissionRequest, resp *admissionv1.AdmissionResponse, start time.Time) *admissionv1.AdmissionResponse {
	verdict := verdictAllowed
	if !resp.Allowed {
		verdict = verdictDenied
		if s.dryRun {
			verdict = verdictWouldDeny
			resp = s.admitDryRun(req, resp)
		}
	}
	resp.UID = req.UID
	kind := req.Kind.Kind
	s.metrics.requests.WithLabelValues(operationLabel(req.Operation), kind, verdict).Inc()
	s.metrics.duration.WithLabelValues(kind).Observe(time.Since(start).Seconds())
	return resp
}

// admitDryRun turns a denial into an admission that says, logs and
// counts what would have happened, so a team can roll out and watch.
func (s *Server) admitDryRun(req *admissionv1.AdmissionRequest, resp *admissionv1.AdmissionResponse) *admissionv1.AdmissionResponse {
	reason := "denied"
	if resp.Result != nil && resp.Result.Message != "" {
		reason = resp.Result.Message
	}
	s.metrics.wouldDeny.WithLabelValues(req.Kind.Kind, req.Namespace).Inc()
	s.log.Warn("would deny (dry-run)", append(requestAttrs(req), "reason", reason)...)
	out := *resp
	out.Allowed, out.Result = true, nil
	out.Warnings = append(append([]string(nil), resp.Warnings...), "palisade dry-run: would deny: "+reason)
	out.AuditAnnotations = map[string]string{}
	for k, v := range resp.AuditAnnotations {
		out.AuditAnnotations[k] = v
	}
	out.AuditAnnotations[annotationWouldDeny] = reason
	return &out
}

// requestAttrs are the slog attributes that identify a request.
func requestAttrs(req *admissionv1.AdmissionRequest) []any {
	return []any{
		"uid", string(req.UID), "operation", string(req.Operation),
		"kind", req.Kind.Kind, "namespace", req.Namespace, "name", req.Name,
		"user", req.UserInfo.Username, "dryRunRequest", req.DryRun != nil && *req.DryRun,
	}
}
