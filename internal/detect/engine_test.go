package detect

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

func TestStagesAndDedup(t *testing.T) {
	attach := "/api/v1/namespaces/shop/pods/web/attach"
	started := ev("create", attach, stage(auditv1.StageResponseStarted), id("x"))
	complete := ev("create", attach, id("x"))
	want := `audit/pod-exec: attach to a pod: user "alice" from 10.1.2.3 create pods/attach shop/web (200) at ` + ts
	cases := []struct {
		name   string
		cfg    Config
		events []*auditv1.Event
		want   []string
		stats  Stats
	}{
		{"ResponseComplete only by default", Config{}, []*auditv1.Event{started, complete}, []string{want}, Stats{Events: 1, OtherStage: 1}},
		{"the same auditID and stage once", Config{}, []*auditv1.Event{complete, complete}, []string{want}, Stats{Events: 1, Duplicates: 1}},
		{"configured stages, each examined once, a finding raised once (at the first stage)",
			Config{Stages: []string{"ResponseStarted", "ResponseComplete"}},
			[]*auditv1.Event{started, complete, started}, []string{want}, Stats{Events: 2, Duplicates: 1}},
		{"remembered for two windows at most", Config{DedupWindow: time.Minute},
			[]*auditv1.Event{complete, ev("get", "/version", at(61*time.Second)), ev("get", "/version", at(122*time.Second)),
				ev("create", attach, id("x"), at(123*time.Second))},
			[]string{want, strings.Replace(want, "10:00:00", "10:02:03", 1)}, Stats{Events: 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := New(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i, x := range c.events {
				for _, a := range e.Observe(x, "f", i+1) {
					got = append(got, a.Check+": "+a.Message)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("findings:\n%s\nwant:\n%s", lines(got), lines(c.want))
			}
			if e.Stats() != c.stats {
				t.Errorf("stats %+v, want %+v", e.Stats(), c.stats)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Stages: []string{"Done"}}, `unknown audit stage "Done" (want RequestReceived, ResponseStarted, ResponseComplete or Panic)`},
		{Config{Allowed: map[string]Subjects{"audit/pod-exek": {}}}, `allowed subjects for unknown detection "audit/pod-exek"`},
	} {
		if _, err := New(c.cfg); err == nil || err.Error() != c.want {
			t.Errorf("New(%+v) = %v, want %q", c.cfg, err, c.want)
		}
	}
}

func TestSelectionAndSeverity(t *testing.T) {
	e, err := New(Config{Checks: []string{"audit/pod-*", "audit/secret-read"}, SkipChecks: []string{"audit/pod-security-*"},
		Severity: map[string]finding.Severity{"audit/pod-exec": finding.SeverityCritical}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range e.Rules() {
		ids = append(ids, r.ID+"="+r.Severity.String())
	}
	want := []string{"audit/pod-exec=critical", "audit/secret-read=medium", "audit/pod-in-kube-namespace=medium"}
	if !slices.Equal(ids, want) {
		t.Errorf("rules %v, want %v", ids, want)
	}
	a := e.Observe(ev("create", "/api/v1/namespaces/shop/pods/web/attach"), "f", 1)
	if len(a) != 1 || a[0].Severity != finding.SeverityCritical {
		t.Errorf("severity override not applied: %+v", a)
	}
}

// TestAlertFields checks what SPEC.md lists for audit findings.
func TestAlertFields(t *testing.T) {
	e, _ := New(Config{})
	a := e.Observe(ev("get", "/api/v1/namespaces/shop/secrets/db", ip("10.1.2.3", "10.0.0.1"), id("abc")), "audit.log", 7)
	if len(a) != 1 {
		t.Fatalf("got %d findings", len(a))
	}
	got := a[0]
	want := Alert{
		Finding: finding.Finding{Check: "audit/secret-read", Standard: finding.StandardAudit, Severity: finding.SeverityMedium,
			File: "audit.log", Line: 7, Resource: finding.Resource{APIVersion: "v1", Kind: "Secret", Namespace: "shop", Name: "db"},
			Message:     `secret get: user "alice" from 10.1.2.3 get secrets shop/db (200) at ` + ts,
			Remediation: got.Remediation},
		User: "alice", Groups: []string{"dev", "system:authenticated"}, SourceIPs: []string{"10.1.2.3", "10.0.0.1"},
		Verb: "get", RequestURI: "/api/v1/namespaces/shop/secrets/db", AuditID: "abc", Time: t0,
	}
	// The finding carries the same request for the report formats.
	want.AuditInfo = &finding.AuditInfo{User: want.User, Groups: want.Groups, SourceIPs: want.SourceIPs,
		Verb: want.Verb, RequestURI: want.RequestURI, AuditID: want.AuditID, Time: want.Time}
	if got.AuditInfo == nil || !reflect.DeepEqual(*got.AuditInfo, *want.AuditInfo) {
		t.Errorf("finding's audit info %+v, want %+v", got.AuditInfo, want.AuditInfo)
	}
	got.AuditInfo, want.AuditInfo = nil, nil
	if got.Remediation == "" || !alertEqual(got, want) {
		t.Errorf("alert\n%+v\nwant\n%+v", got, want)
	}
}

func alertEqual(a, b Alert) bool {
	return a.Finding == b.Finding && a.User == b.User && slices.Equal(a.Groups, b.Groups) &&
		slices.Equal(a.SourceIPs, b.SourceIPs) && a.Verb == b.Verb && a.RequestURI == b.RequestURI &&
		a.AuditID == b.AuditID && a.Time.Equal(b.Time)
}

// TestRulesWellFormed is the registry's self-check: stable, unique IDs in
// the audit namespace, and text for docs and SARIF.
func TestRulesWellFormed(t *testing.T) {
	idRE := regexp.MustCompile(`^audit/[a-z0-9-]+$`)
	rules := Rules()
	if len(rules) != 26 {
		t.Errorf("%d rules; update this count and docs/audit.md when adding one", len(rules))
	}
	seen := map[string]bool{}
	for _, r := range rules {
		switch {
		case !idRE.MatchString(r.ID):
			t.Errorf("%s: ID does not match %s", r.ID, idRE)
		case seen[r.ID]:
			t.Errorf("%s: duplicate ID", r.ID)
		case r.Standard != finding.StandardAudit || r.Severity == finding.SeverityNone:
			t.Errorf("%s: standard %q severity %v", r.ID, r.Standard, r.Severity)
		case r.Title == "" || !strings.HasSuffix(r.Rationale, ".") || !strings.HasSuffix(r.Remediation, "."):
			t.Errorf("%s: title, rationale and remediation (ending with a period) are required", r.ID)
		}
		seen[r.ID] = true
	}
	if !slices.IsSortedFunc(rules, func(a, b finding.Rule) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("Rules() is not sorted by ID")
	}
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"system:serviceaccount:kube-system:*", "system:serviceaccount:kube-system:token-cleaner", true},
		{"system:serviceaccount:kube-system:*", "system:serviceaccount:default:x", false},
		{"*@example.com", "https://issuer/a@example.com", true},
		{"a*b*c", "abc", true},
		{"a*b*c", "acb", false},
		{"ab*ba", "aba", false},
		{"alice", "alice", true},
		{"alice", "alice2", false},
		{"*", "", true},
	} {
		if got := glob(c.pattern, c.s); got != c.want {
			t.Errorf("glob(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

// TestIDsNeverDisappear: check IDs are a contract (exceptions, severity
// overrides and dashboards name them). testdata/ids.txt may only grow: a
// new detection is appended there, and none may be removed or renamed.
func TestIDsNeverDisappear(t *testing.T) {
	data, err := os.ReadFile("testdata/ids.txt")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, id := range strings.Fields(string(data)) {
		listed[id] = true
	}
	have := map[string]bool{}
	for _, r := range Rules() {
		have[r.ID] = true
		if !listed[r.ID] {
			t.Errorf("%s is not in testdata/ids.txt: append it", r.ID)
		}
	}
	for id := range listed {
		if !have[id] {
			t.Errorf("%s was removed or renamed; IDs are stable", id)
		}
	}
}
