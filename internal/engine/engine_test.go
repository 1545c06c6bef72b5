package engine

import (
	"strings"
	"testing"
	"time"

	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/exception"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
)

const privileged = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-exporter
  namespace: monitoring
  annotations: %s
spec:
  template:
    spec:
      containers:
      - name: c
        image: registry.example.com/exporter:1
        securityContext:
          privileged: true
`

func evaluate(t *testing.T, e *Engine, doc string) []finding.Finding {
	t.Helper()
	objs, errs := manifest.Decode("ds.yaml", []byte(doc))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	fs, ferr := e.EvaluateObject(objs[0], inventory.New())
	if ferr != nil {
		t.Fatalf("evaluate: %v", ferr)
	}
	return fs
}

func byCheck(fs []finding.Finding, id string) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.Check == id {
			out = append(out, f)
		}
	}
	return out
}

func restricted() api.Policy {
	lv := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}
	return api.Policy{Enforce: lv, Audit: lv, Warn: lv}
}

func TestExceptions(t *testing.T) {
	list, err := exception.Parse("ex.yaml", []byte(`exceptions:
- checks: ["pss/privileged"]
  resources: [{kind: DaemonSet, namespace: monitoring, name: node-*}]
  reason: reviewed
  expires: 2027-03-31
`))
	if err != nil {
		t.Fatal(err)
	}
	at := func(day string) func() time.Time {
		return func() time.Time { ts, _ := time.Parse(time.DateOnly, day); return ts }
	}
	live, _ := New(Options{Defaults: restricted(), Exceptions: list, Now: at("2027-01-01")})
	fs := evaluate(t, live, strings.Replace(privileged, "%s", "{}", 1))
	p := byCheck(fs, "pss/privileged")
	if len(p) != 1 || !p[0].Suppressed {
		t.Fatalf("pss/privileged must be suppressed while the exception lives: %+v", p)
	}
	if len(byCheck(fs, exception.CheckID)) != 0 {
		t.Fatal("a live exception is not reported")
	}
	if other := byCheck(fs, "pss/runAsNonRoot"); len(other) == 0 || other[0].Suppressed {
		t.Fatal("other checks stay reported")
	}

	expired, _ := New(Options{Defaults: restricted(), Exceptions: list, Now: at("2027-04-01")})
	fs = evaluate(t, expired, strings.Replace(privileged, "%s", "{}", 1))
	if p := byCheck(fs, "pss/privileged"); len(p) != 1 || p[0].Suppressed {
		t.Fatalf("an expired exception stops applying: %+v", p)
	}
	x := byCheck(fs, exception.CheckID)
	if len(x) != 1 || !strings.Contains(x[0].Message, "ex.yaml:2") || !strings.Contains(x[0].Message, "expired on 2027-03-31") {
		t.Fatalf("the expired exception is reported once, naming itself: %+v", x)
	}
}

func TestAnnotationException(t *testing.T) {
	e, _ := New(Options{Defaults: restricted()})
	fs := evaluate(t, e, strings.Replace(privileged, "%s", `{palisade.dev/exempt: "pss/privileged", palisade.dev/exempt-reason: "needs devices"}`, 1))
	if p := byCheck(fs, "pss/privileged"); len(p) != 1 || !p[0].Suppressed {
		t.Fatalf("annotation exemption: %+v", p)
	}
	objs, _ := manifest.Decode("ds.yaml", []byte(strings.Replace(privileged, "%s", `{palisade.dev/exempt: "pss/privileged"}`, 1)))
	fs, ferr := e.EvaluateObject(objs[0], inventory.New())
	if ferr == nil || !strings.Contains(ferr.Message, "no reason") {
		t.Fatalf("an exemption without a reason is an error, got %v", ferr)
	}
	if p := byCheck(fs, "pss/privileged"); len(p) != 1 || p[0].Suppressed {
		t.Fatal("and it excepts nothing")
	}
}

func TestFiltersAndSeverity(t *testing.T) {
	doc := strings.Replace(privileged, "%s", "{}", 1)
	e, err := New(Options{Defaults: restricted(), Checks: []string{"pss/*"}, SkipChecks: []string{"pss/runAsNonRoot"},
		Severity: map[string]finding.Severity{"pss/privileged": finding.SeverityLow}})
	if err != nil {
		t.Fatal(err)
	}
	fs := evaluate(t, e, doc)
	for _, f := range fs {
		if !strings.HasPrefix(f.Check, "pss/") || f.Check == "pss/runAsNonRoot" {
			t.Errorf("filtered check reported: %s", f.Check)
		}
	}
	if p := byCheck(fs, "pss/privileged"); len(p) != 1 || p[0].Severity != finding.SeverityLow {
		t.Fatalf("severity override: %+v", p)
	}
	if _, err := New(Options{Severity: map[string]finding.Severity{"pss/nope": 1}}); err == nil {
		t.Fatal("an override for an unknown check is a configuration error")
	}
	if _, err := New(Options{Checks: []string{"["}}); err == nil {
		t.Fatal("a bad glob is a configuration error")
	}
}

// TestNamespaceLabelsDecideLevel: the Namespace's enforce labels win over
// the defaults, through upstream's own label parsing.
func TestNamespaceLabelsDecideLevel(t *testing.T) {
	e, _ := New(Options{Defaults: restricted()})
	inv := inventory.New()
	ns, _ := manifest.Decode("ns.yaml", []byte("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n  labels: {pod-security.kubernetes.io/enforce: privileged}\n"))
	inv.Learn(ns[0])
	objs, _ := manifest.Decode("ds.yaml", []byte(strings.Replace(privileged, "%s", "{}", 1)))
	fs, _ := e.EvaluateObject(objs[0], inv)
	for _, f := range fs {
		if f.Standard == finding.StandardPodSecurity {
			t.Fatalf("privileged namespace: no Pod Security finding expected, got %s", f.Check)
		}
	}
}
