package detect

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// Metrics are the Prometheus series of a streaming run (--follow, serve),
// on a registry of their own: no global state, so tests and several
// engines in one process do not collide.
type Metrics struct {
	Registry  *prometheus.Registry
	events    *prometheus.CounterVec
	findings  *prometheus.CounterVec
	errors    prometheus.Counter
	lastEvent prometheus.Gauge
}

// NewMetrics registers the series, plus the Go and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_audit_events_total",
			Help: "Audit events received, by outcome: examined, duplicate (auditID and stage seen before), other_stage (a stage not configured).",
		}, []string{"outcome"}),
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_audit_findings_total",
			Help: "Findings raised, by check, severity and whether an exception suppressed them.",
		}, []string{"check", "severity", "suppressed"}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "palisade_audit_input_errors_total",
			Help: "Input lines or items that were not audit events.",
		}),
		lastEvent: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "palisade_audit_last_event_timestamp_seconds",
			Help: "Stage timestamp of the last examined event: how far behind the log the detections are.",
		}),
	}
	m.Registry.MustRegister(m.events, m.findings, m.errors, m.lastEvent,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// InputError counts one malformed line or item.
func (m *Metrics) InputError() { m.errors.Inc() }

// observe records what one Observe call did.
func (m *Metrics) observe(before, after Stats, ev *auditv1.Event, alerts []Alert) {
	if d := after.Events - before.Events; d > 0 {
		m.events.WithLabelValues("examined").Add(float64(d))
		m.lastEvent.Set(float64(ev.StageTimestamp.UnixNano()) / 1e9)
	}
	if d := after.Duplicates - before.Duplicates; d > 0 {
		m.events.WithLabelValues("duplicate").Add(float64(d))
	}
	if d := after.OtherStage - before.OtherStage; d > 0 {
		m.events.WithLabelValues("other_stage").Add(float64(d))
	}
	for _, a := range alerts {
		s := "false"
		if a.Suppressed {
			s = "true"
		}
		m.findings.WithLabelValues(a.Check, a.Severity.String(), s).Inc()
	}
}
