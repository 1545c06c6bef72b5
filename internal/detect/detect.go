// Package detect runs detections (check IDs audit/...) over Kubernetes
// audit events. Each detection is a rule: metadata for `palisade checks`
// and SARIF, the subjects it leaves alone by default, and a match function.
// A few keep state (bursts, repeat suppression), always keyed and expired by
// EVENT time, never the wall clock: the same log gives the same findings
// however fast it is read, and memory is bounded by what fits in a window,
// not by the size of the log.
//
// An Engine is not safe for concurrent use: events go through Observe one
// at a time, in log order.
package detect

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

// Subjects names users and groups by glob ('*' matches any run of
// characters, including ':' and '/').
type Subjects struct {
	Users  []string
	Groups []string
}

// Config is what a run can tune. Zero values take the defaults below.
type Config struct {
	// Stages are the stages examined; default ResponseComplete, the stage
	// that carries the response code. Others are counted and skipped.
	Stages []string
	// AllowedSourceCIDRs enables audit/unknown-source-ip.
	AllowedSourceCIDRs []netip.Prefix
	// SlowRequest is the latency over which audit/slow-request fires.
	SlowRequest time.Duration
	// BurstThreshold 401/403 responses within BurstWindow make a burst.
	BurstThreshold int
	BurstWindow    time.Duration
	// RepeatAfter is how long audit/unknown-source-ip stays quiet about an
	// address it has reported.
	RepeatAfter time.Duration
	// DedupWindow is how long an auditID+stage is remembered.
	DedupWindow time.Duration
	// Allowed replaces a detection's default allowed subjects, by check ID.
	Allowed map[string]Subjects
	// AllowedUsers enables audit/disallowed-user; AllowedNamespaces
	// enables audit/disallowed-namespace (both globs).
	AllowedUsers      []string
	AllowedNamespaces []string
	// Checks and SkipChecks select detections by glob over check IDs.
	Checks, SkipChecks []string
	// Severity overrides severities by check ID.
	Severity map[string]finding.Severity
	// Except, when set, marks a finding suppressed (an exception matched).
	Except func(check string, res finding.Resource, user string, at time.Time) bool
}

// Defaults, documented in docs/audit.md.
const (
	DefaultSlowRequest    = 10 * time.Second
	DefaultBurstThreshold = 10
	DefaultBurstWindow    = time.Minute
	DefaultRepeatAfter    = 10 * time.Minute
	DefaultDedupWindow    = 2 * time.Minute
)

func (c *Config) withDefaults() {
	if len(c.Stages) == 0 {
		c.Stages = []string{string(auditv1.StageResponseComplete)}
	}
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&c.SlowRequest, DefaultSlowRequest)
	set(&c.BurstWindow, DefaultBurstWindow)
	set(&c.RepeatAfter, DefaultRepeatAfter)
	set(&c.DedupWindow, DefaultDedupWindow)
	if c.BurstThreshold <= 0 {
		c.BurstThreshold = DefaultBurstThreshold
	}
}

// Alert is a finding plus the request it came from: the fields SPEC.md
// lists for audit findings. JSON puts them beside the finding's own.
type Alert struct {
	finding.Finding
	User       string    `json:"user"`
	Groups     []string  `json:"groups"`
	SourceIPs  []string  `json:"sourceIPs"`
	Verb       string    `json:"verb"`
	RequestURI string    `json:"requestURI"`
	AuditID    string    `json:"auditID"`
	Time       time.Time `json:"time"`
}

// Stats counts what Observe saw.
type Stats struct {
	Events     int // examined by the detections
	Duplicates int // same auditID and stage seen before
	OtherStage int // skipped: a stage not configured
}

// Engine runs the enabled detections.
type Engine struct {
	rules  []*rule
	stages map[auditv1.Stage]bool
	dedup  *dedup
	// fired remembers findings already raised for a request at an earlier
	// stage, when several stages are examined: an exec is reported when
	// it starts (ResponseStarted), not again when the session ends.
	fired *quiet
	cfg   Config
	stats Stats
	// v is the view of the event being observed, reused: a view per
	// event would be an allocation per event.
	v view
	// Metrics, when set, counts events and findings (streaming runs).
	Metrics *Metrics
}

// New builds an engine; it fails on an unknown stage or check ID in cfg.
func New(cfg Config) (*Engine, error) {
	cfg.withDefaults()
	e := &Engine{stages: map[auditv1.Stage]bool{}, cfg: cfg, dedup: newDedup(cfg.DedupWindow)}
	if len(cfg.Stages) > 1 {
		e.fired = newQuiet(cfg.DedupWindow)
	}
	for _, s := range cfg.Stages {
		switch st := auditv1.Stage(s); st {
		case auditv1.StageRequestReceived, auditv1.StageResponseStarted, auditv1.StageResponseComplete, auditv1.StagePanic:
			e.stages[st] = true
		default:
			return nil, fmt.Errorf("unknown audit stage %q (want RequestReceived, ResponseStarted, ResponseComplete or Panic)", s)
		}
	}
	all, err := builtin(&e.cfg)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, r := range all {
		known[r.ID] = true
	}
	for id := range cfg.Allowed {
		if !known[id] {
			return nil, fmt.Errorf("allowed subjects for unknown detection %q", id)
		}
	}
	for _, r := range all {
		if !r.enabled || !selected(r.ID, cfg.Checks, cfg.SkipChecks) {
			continue
		}
		if s, ok := cfg.Severity[r.ID]; ok {
			r.Severity = s
		}
		if a, ok := cfg.Allowed[r.ID]; ok {
			r.allow = a
		}
		r.users, r.groups = compileAll(r.allow.Users), compileAll(r.allow.Groups)
		e.rules = append(e.rules, r)
	}
	return e, nil
}

// Rules is the metadata of every detection, enabled or not, sorted by ID:
// the catalogue for `palisade checks` and docs.
func Rules() []finding.Rule {
	cfg := Config{}
	cfg.withDefaults()
	all, _ := builtin(&cfg)
	out := make([]finding.Rule, len(all))
	for i, r := range all {
		out[i] = r.Rule
	}
	slices.SortFunc(out, func(a, b finding.Rule) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Rules is the metadata of the detections this engine runs.
func (e *Engine) Rules() []finding.Rule {
	out := make([]finding.Rule, len(e.rules))
	for i, r := range e.rules {
		out[i] = r.Rule
	}
	return out
}

// Stats returns the counts so far.
func (e *Engine) Stats() Stats { return e.stats }

// Observe runs the detections over one event read from file at line and
// returns what fired, in rule order. Events of other stages and repeats
// of an auditID+stage return nothing.
func (e *Engine) Observe(ev *auditv1.Event, file string, line int) []Alert {
	if e.Metrics == nil {
		return e.observe(ev, file, line)
	}
	before := e.stats
	alerts := e.observe(ev, file, line)
	e.Metrics.observe(before, e.stats, ev, alerts)
	return alerts
}

func (e *Engine) observe(ev *auditv1.Event, file string, line int) []Alert {
	if !e.stages[ev.Stage] {
		e.stats.OtherStage++
		return nil
	}
	v := &e.v
	v.reset(ev)
	if ev.AuditID != "" && e.dedup.seen(string(ev.AuditID), ev.Stage, v.time) {
		e.stats.Duplicates++
		return nil
	}
	e.stats.Events++
	var out []Alert
	for _, r := range e.rules {
		if r.skips(v) {
			continue
		}
		for _, summary := range r.match(v) {
			if e.fired != nil && ev.AuditID != "" && !e.fired.first(string(ev.AuditID)+"\x00"+r.ID+"\x00"+summary, v.time) {
				continue
			}
			out = append(out, e.alert(r, v, summary, file, line))
		}
	}
	return out
}

func (e *Engine) alert(r *rule, v *view, summary, file string, line int) Alert {
	ev, res := v.ev, v.res
	f := finding.Finding{
		Check:       r.ID,
		Standard:    finding.StandardAudit,
		Severity:    r.Severity,
		File:        file,
		Line:        line,
		Resource:    res,
		Message:     summary + ": " + v.describe(),
		Remediation: r.Remediation,
	}
	if e.cfg.Except != nil && e.cfg.Except(r.ID, res, v.user, v.time) {
		f.Suppressed = true
	}
	// The report formats read the request from the finding itself.
	f.AuditInfo = &finding.AuditInfo{User: v.user, Groups: v.groups, SourceIPs: ev.SourceIPs,
		Verb: ev.Verb, RequestURI: ev.RequestURI, AuditID: string(ev.AuditID), Time: v.time}
	return Alert{
		Finding:    f,
		User:       v.user,
		Groups:     v.groups,
		SourceIPs:  ev.SourceIPs,
		Verb:       ev.Verb,
		RequestURI: ev.RequestURI,
		AuditID:    string(ev.AuditID),
		Time:       v.time,
	}
}

// selected applies --checks / --skip-checks globs; no include list means
// every check.
func selected(id string, include, exclude []string) bool {
	for _, g := range exclude {
		if glob(g, id) {
			return false
		}
	}
	if len(include) == 0 {
		return true
	}
	for _, g := range include {
		if glob(g, id) {
			return true
		}
	}
	return false
}

// glob matches pattern against s, where '*' matches any run of characters.
// path.Match is not used because '*' must cross '/' and ':' (user names
// such as "system:serviceaccount:ns:name" or "https://issuer#subject").
func glob(pattern, s string) bool { return compile(pattern).match(s) }

// matcher is a compiled glob: patterns are checked for every event against
// every rule, so they are split once, not per call.
type matcher struct {
	parts []string // the pattern split at '*'
}

func compile(pattern string) matcher { return matcher{strings.Split(pattern, "*")} }

func (m matcher) match(s string) bool {
	parts := m.parts
	if len(parts) == 1 {
		return s == parts[0]
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, last) && len(s) >= len(last)
}

type matchers []matcher

func compileAll(patterns []string) matchers {
	out := make(matchers, len(patterns))
	for i, p := range patterns {
		out[i] = compile(p)
	}
	return out
}

func (ms matchers) any(s string) bool {
	for _, m := range ms {
		if m.match(s) {
			return true
		}
	}
	return false
}
