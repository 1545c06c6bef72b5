package exception

import (
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/internal/finding"
)

const sample = `apiVersion: palisade.dev/v1
kind: ExceptionList
exceptions:
- checks: ["pss/hostPathVolumes", "bp/*"]
  resources:
  - {kind: DaemonSet, namespace: monitoring, name: node-exporter*}
  reason: node metrics need /proc and /sys
  expires: 2027-03-31
- checks: ["pss/privileged"]
  reason: every privileged thing in kube-system is reviewed by SIG node
  resources:
  - {namespace: kube-system}
`

func TestMatch(t *testing.T) {
	l, err := Parse("ex.yaml", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	ds := finding.Resource{Kind: "DaemonSet", Namespace: "monitoring", Name: "node-exporter-abc"}
	before := time.Date(2027, 3, 31, 23, 0, 0, 0, time.UTC)
	after := time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name        string
		check       string
		res         finding.Resource
		now         time.Time
		wantHit     bool
		wantExpired int
	}{
		{"glob check and name", "bp/cpu-limits", ds, before, true, 0},
		{"exact check", "pss/hostPathVolumes", ds, before, true, 0},
		{"valid through its expiry day", "pss/hostPathVolumes", ds, before, true, 0},
		{"expired the day after", "pss/hostPathVolumes", ds, after, false, 1},
		{"other check", "pss/privileged", ds, before, false, 0},
		{"other kind", "bp/cpu-limits", finding.Resource{Kind: "Deployment", Namespace: "monitoring", Name: "node-exporter"}, before, false, 0},
		{"other namespace", "bp/cpu-limits", finding.Resource{Kind: "DaemonSet", Namespace: "default", Name: "node-exporter"}, before, false, 0},
		{"namespace-only selector", "pss/privileged", finding.Resource{Kind: "Pod", Namespace: "kube-system", Name: "x"}, after, true, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			hit, expired := l.Match(c.check, c.res, "", c.now)
			if (hit != nil) != c.wantHit || len(expired) != c.wantExpired {
				t.Fatalf("hit=%v expired=%d, want hit=%v expired=%d", hit != nil, len(expired), c.wantHit, c.wantExpired)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ name, doc, want string }{
		{"no reason", "exceptions:\n- checks: [pss/privileged]\n", "ex.yaml:2: exception has no reason"},
		{"no checks", "exceptions:\n- reason: because\n", "ex.yaml:2: exception lists no checks"},
		{"bad date", "exceptions:\n- checks: [a]\n  reason: r\n  expires: next year\n", `ex.yaml:2: expires "next year"`},
		{"unknown key", "exceptions:\n- checks: [a]\n  reason: r\n  namespace: x\n", "ex.yaml:4: field namespace not found"},
		{"wrong kind", "apiVersion: v1\nkind: ConfigMap\n", "want apiVersion palisade.dev/v1, kind ExceptionList"},
		{"bad glob", "exceptions:\n- checks: [\"[\"]\n  reason: r\n", `bad check pattern "["`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("ex.yaml", []byte(c.doc))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestFromAnnotations(t *testing.T) {
	e, err := FromAnnotations(map[string]string{AnnotationExempt: "pss/hostPathVolumes, bp/*", AnnotationReason: "needs the socket"})
	if err != nil || e == nil || !e.Matches("bp/readonly-root-filesystem", finding.Resource{}, "") || e.Matches("pss/privileged", finding.Resource{}, "") {
		t.Fatalf("entry %+v err %v", e, err)
	}
	if _, err := FromAnnotations(map[string]string{AnnotationExempt: "pss/x"}); err == nil || !strings.Contains(err.Error(), "no reason") {
		t.Fatalf("want a missing-reason error, got %v", err)
	}
	if e, err := FromAnnotations(nil); e != nil || err != nil {
		t.Fatal("no annotation must mean no entry")
	}
}
