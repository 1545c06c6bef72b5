package report

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/golden"
)

func sampleRules() []finding.Rule {
	return []finding.Rule{
		{
			ID: "pss/privileged", Standard: finding.StandardPodSecurity, Severity: finding.SeverityHigh, Level: "baseline",
			Title:       "Privileged containers",
			Rationale:   "Privileged Pods disable most security mechanisms and must be disallowed.",
			Remediation: "securityContext:\n  privileged: false\n",
			HelpURI:     "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
		},
		{
			ID: "pss/runAsNonRoot", Standard: finding.StandardPodSecurity, Severity: finding.SeverityMedium, Level: "restricted",
			Title:       "Running as non-root",
			Rationale:   "Containers must be required to run as non-root users.",
			Remediation: "securityContext:\n  runAsNonRoot: true",
		},
		{
			ID: "pss/hostPathVolumes", Standard: finding.StandardPodSecurity, Severity: finding.SeverityHigh, Level: "baseline",
			Title:       "HostPath volumes",
			Rationale:   "HostPath volumes must be forbidden.",
			Remediation: "volumes:\n- name: data\n  emptyDir: {}",
		},
		{
			ID: "bp/latest-tag", Standard: finding.StandardBestPractice, Severity: finding.SeverityLow,
			Title:       "Image tag | latest",
			Rationale:   "A moving tag makes rollbacks and audits guesswork.\n\nPin a version or a digest.",
			Remediation: "image: nginx:1.27.3 # not ```latest```",
		},
		// Known but referenced by no finding: SARIF still lists it, since the
		// rules a stream begins with are every rule the run may report.
		{
			ID: "pss/capabilities_restricted", Standard: finding.StandardPodSecurity, Severity: finding.SeverityMedium, Level: "restricted",
			Title: "Capabilities", Rationale: "Containers must drop ALL capabilities.",
		},
	}
}

// sampleReport covers every branch a renderer has: all severities, a
// suppressed finding, a line-0 finding without path, a cluster-scoped object,
// a check with no rule metadata, characters that need escaping, and errors
// with and without a line.
func sampleReport() *finding.Report {
	api := finding.Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "web", Name: "api"}
	r := &finding.Report{
		Resources: 4,
		Rules:     sampleRules(),
		Findings: []finding.Finding{
			{
				Check: "pss/runAsNonRoot", Standard: finding.StandardPodSecurity, Level: "restricted", Severity: finding.SeverityMedium,
				File: "deploy/api.yaml", Line: 20, Resource: api,
				Path:        "spec.template.spec.containers[0].securityContext.runAsNonRoot",
				Message:     `container "app" must set securityContext.runAsNonRoot=true`,
				Remediation: "securityContext:\n  runAsNonRoot: true",
			},
			{
				Check: "pss/privileged", Standard: finding.StandardPodSecurity, Level: "baseline", Severity: finding.SeverityHigh,
				File: "deploy/api.yaml", Line: 12, Resource: api,
				Path:        "spec.template.spec.containers[0].securityContext.privileged",
				Message:     `container "app" must not set securityContext.privileged=true`,
				Remediation: "securityContext:\n  privileged: false",
			},
			{
				Check: "bp/latest-tag", Standard: finding.StandardBestPractice, Severity: finding.SeverityLow,
				File: "deploy/api.yaml", Line: 20, Resource: api,
				Path:    "spec.template.spec.containers[0].image",
				Message: `container "app" uses image "nginx:latest"`,
			},
			{
				Check: "pss/hostPathVolumes", Standard: finding.StandardPodSecurity, Level: "baseline", Severity: finding.SeverityHigh,
				File: "deploy/exporter.yaml", Line: 31,
				Resource:   finding.Resource{APIVersion: "apps/v1", Kind: "DaemonSet", Namespace: "monitoring", Name: "node-exporter"},
				Path:       "spec.template.spec.volumes[0].hostPath",
				Message:    `volume "proc" must not use hostPath`,
				Suppressed: true,
			},
			{
				Check: "policy/required-labels", Standard: finding.StandardPolicy, Severity: finding.SeverityCritical,
				File: "deploy/my ns.yaml", Line: 0,
				Resource: finding.Resource{APIVersion: "v1", Kind: "Namespace", Name: "shop"},
				Message:  `namespace "shop" needs label "team" & <owner>, 100% of the time`,
			},
		},
		Errors: []finding.Error{
			{File: "bad.yaml", Line: 3, Message: "yaml: line 3: mapping values are not allowed in this context"},
			{File: "missing.yaml", Message: "open missing.yaml: no such file or directory"},
		},
	}
	finding.Sort(r.Findings)
	finding.SortErrors(r.Errors)
	return r
}

type reportCase struct {
	name   string
	report func() *finding.Report
	opts   Options
}

var reportCases = []reportCase{
	{name: "sample", report: sampleReport, opts: Options{ToolVersion: "v0.1.0"}},
	{name: "empty", report: func() *finding.Report { return &finding.Report{Resources: 2} }, opts: Options{ToolVersion: "v0.1.0"}},
}

func mustRender(t *testing.T, format string, opts Options, r *finding.Report) []byte {
	t.Helper()
	rep, err := New(format, opts)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.Report(&b, r); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	for _, format := range Formats() {
		for _, tc := range reportCases {
			t.Run(format+"/"+tc.name, func(t *testing.T) {
				got := mustRender(t, format, tc.opts, tc.report())
				golden.Assert(t, got, filepath.Join("testdata", format, tc.name+".golden"))
			})
		}
	}
	t.Run("text/sample-color", func(t *testing.T) {
		got := mustRender(t, "text", Options{Color: true}, sampleReport())
		golden.Assert(t, got, filepath.Join("testdata", "text", "sample-color.golden"))
	})
}

// TestDeterministic renders twice, the second time with the rule list
// reversed, which must not change a byte.
func TestDeterministic(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			opts := Options{ToolVersion: "v0.1.0"}
			first := mustRender(t, format, opts, sampleReport())
			r := sampleReport()
			slices.Reverse(r.Rules)
			second := mustRender(t, format, opts, r)
			if !bytes.Equal(first, second) {
				t.Errorf("output changed between runs:\n%s", golden.Diff(first, second))
			}
		})
	}
}

func TestNew(t *testing.T) {
	want := []string{"github", "json", "junit", "sarif", "text"}
	if got := Formats(); !slices.Equal(got, want) {
		t.Errorf("Formats() = %v, want %v", got, want)
	}
	_, err := New("yaml", Options{})
	if err == nil {
		t.Fatal("New(yaml) succeeded")
	}
	for _, f := range want {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not name format %q", err, f)
		}
	}
}

func TestNilReport(t *testing.T) {
	for _, format := range Formats() {
		rep, _ := New(format, Options{})
		if err := rep.Report(&bytes.Buffer{}, nil); err != nil {
			t.Errorf("%s: %v", format, err)
		}
	}
}

func TestTextNoColour(t *testing.T) {
	got := mustRender(t, "text", Options{}, sampleReport())
	if bytes.Contains(got, []byte("\x1b[")) {
		t.Error("text output without Color contains ANSI escapes")
	}
}

func TestSummaryLine(t *testing.T) {
	tests := []struct {
		r    *finding.Report
		want string
	}{
		{&finding.Report{}, "0 resources scanned, 0 findings"},
		{&finding.Report{Resources: 1, Errors: []finding.Error{{File: "a"}}}, "1 resource scanned, 0 findings, 1 error"},
		{sampleReport(), "4 resources scanned, 4 findings (1 critical, 1 high, 1 medium, 1 low), 1 suppressed, 2 errors"},
	}
	for _, tc := range tests {
		t2 := reportTally(tc.r)
		if got := summaryLine(&t2); got != tc.want {
			t.Errorf("summaryLine = %q, want %q", got, tc.want)
		}
	}
}
