package webhook

import (
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/metrics"
	cwmetrics "sigs.k8s.io/controller-runtime/pkg/certwatcher/metrics"
)

// Verdicts of palisade_webhook_requests_total.
const (
	verdictAllowed   = "allowed"
	verdictDenied    = "denied"
	verdictWouldDeny = "would_deny" // --dry-run admitted what it would have denied
)

// Reasons of palisade_webhook_errors_total.
const (
	errPanic      = "panic"
	errTimeout    = "timeout"
	errOverload   = "overload"
	errBadRequest = "bad_request"
	errEvaluation = "evaluation" // an object not decoded, or a check or policy not evaluated
	errWrite      = "write"
)

// Metrics are the server's Prometheus metrics, on a registry of their own
// so that nothing registered globally by a dependency leaks into them. It
// implements upstream's metrics.Recorder, so the Pod Security evaluations
// of upstream's admission package are counted under upstream's names.
type Metrics struct {
	Registry *prometheus.Registry

	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	violations *prometheus.CounterVec
	wouldDeny  *prometheus.CounterVec
	reloads    *prometheus.CounterVec
	reloadErrs prometheus.Counter
	errors     *prometheus.CounterVec
	inFlight   prometheus.Gauge

	psaEvaluations *prometheus.CounterVec
	psaExemptions  *prometheus.CounterVec
	psaErrors      *prometheus.CounterVec

	apiVersion api.Version
}

var _ metrics.Recorder = (*Metrics)(nil)

// NewMetrics builds and registers the metrics.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_webhook_requests_total",
			Help: "Admission requests answered, by operation, kind and verdict (allowed, denied, would_deny under --dry-run).",
		}, []string{"operation", "kind", "verdict"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "palisade_webhook_request_duration_seconds",
			Help: "Time from receiving an AdmissionReview to having its answer, by kind.",
			// Fine buckets below 5 ms: that is where a healthy webhook lives,
			// and where a regression shows first.
			Buckets: []float64{.0001, .00025, .0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"kind"}),
		violations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_webhook_violations_total",
			Help: "Checks failed by admitted or denied objects, by check, namespace and enforcement action (pod-security for upstream Pod Security Admission).",
		}, []string{"check", "namespace", "action"}),
		wouldDeny: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_webhook_would_deny_total",
			Help: "Requests admitted only because of --dry-run, by kind and namespace.",
		}, []string{"kind", "namespace"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_webhook_config_reloads_total",
			Help: "Configuration reloads, by what was reloaded (tls: the serving certificate; palisade: the configuration, policies, exceptions and Pod Security configuration).",
		}, []string{"config"}),
		reloadErrs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "palisade_webhook_config_reload_errors_total",
			Help: "Configuration reloads refused because the new files do not load; the previous configuration stays in force.",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_webhook_errors_total",
			Help: "Requests not judged normally, by reason (panic, timeout, overload, bad_request, evaluation, write).",
		}, []string{"reason"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "palisade_webhook_in_flight_requests",
			Help: "Requests being evaluated now.",
		}),
		psaEvaluations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pod_security_evaluations_total",
			Help: "Number of policy evaluations that occurred, not counting ignored or exempt requests.",
		}, []string{"decision", "policy_level", "policy_version", "mode", "request_operation", "resource", "subresource"}),
		psaExemptions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pod_security_exemptions_total",
			Help: "Number of exempt requests, not counting ignored or out of scope requests.",
		}, []string{"request_operation", "resource", "subresource"}),
		psaErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pod_security_errors_total",
			Help: "Number of errors preventing normal evaluation. Non-fatal errors may result in the latest restricted profile being used for evaluation.",
		}, []string{"fatal", "request_operation", "resource", "subresource"}),
		apiVersion: api.GetAPIVersion(),
	}
	m.Registry.MustRegister(m.requests, m.duration, m.violations, m.wouldDeny, m.reloads, m.reloadErrs, m.errors, m.inFlight,
		m.psaEvaluations, m.psaExemptions, m.psaErrors,
		// certwatcher counts its reads and failed reads in controller-runtime's
		// global registry; the same collectors are exposed here too.
		cwmetrics.ReadCertificateTotal, cwmetrics.ReadCertificateErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// RecordEvaluation implements metrics.Recorder, with upstream's labels.
func (m *Metrics) RecordEvaluation(d metrics.Decision, lv api.LevelVersion, mode metrics.Mode, attrs api.Attributes) {
	version := "latest"
	if !lv.Version.Latest() && lv.Level != api.LevelPrivileged {
		version = "future"
		if !m.apiVersion.Older(lv.Version) {
			version = lv.Version.String()
		}
	}
	m.psaEvaluations.WithLabelValues(string(d), string(lv.Level), version, string(mode),
		operationLabel(attrs.GetOperation()), resourceLabel(attrs.GetResource()), attrs.GetSubresource()).Inc()
}

// RecordExemption implements metrics.Recorder.
func (m *Metrics) RecordExemption(attrs api.Attributes) {
	m.psaExemptions.WithLabelValues(operationLabel(attrs.GetOperation()), resourceLabel(attrs.GetResource()), attrs.GetSubresource()).Inc()
}

// RecordError implements metrics.Recorder.
func (m *Metrics) RecordError(fatal bool, attrs api.Attributes) {
	m.psaErrors.WithLabelValues(strconv.FormatBool(fatal), operationLabel(attrs.GetOperation()),
		resourceLabel(attrs.GetResource()), attrs.GetSubresource()).Inc()
}

func resourceLabel(r schema.GroupVersionResource) string {
	switch r.GroupResource() {
	case corev1.Resource("pods"):
		return "pod"
	case corev1.Resource("namespaces"):
		return "namespace"
	default:
		return "controller"
	}
}

func operationLabel(op admissionv1.Operation) string { return strings.ToLower(string(op)) }
