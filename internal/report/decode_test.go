package report

import (
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/internal/finding"
)

// These tests decode the output with the standard library, independent of
// the renderers' own structs, so a wrong tag cannot hide behind a golden.

func TestJSONShape(t *testing.T) {
	out := mustRender(t, "json", Options{ToolVersion: "v0.1.0"}, sampleReport())
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if got := keys(doc); !slices.Equal(got, []string{"errors", "findings", "schemaVersion", "summary", "tool"}) {
		t.Errorf("top-level keys = %v", got)
	}
	if doc["schemaVersion"] != "1" {
		t.Errorf("schemaVersion = %v", doc["schemaVersion"])
	}
	tool := doc["tool"].(map[string]any)
	if tool["name"] != "palisade" || tool["version"] != "v0.1.0" {
		t.Errorf("tool = %v", tool)
	}
	findings := doc["findings"].([]any)
	if len(findings) != 5 {
		t.Fatalf("findings = %d, want 5", len(findings))
	}
	// The first finding by sort order is on deploy/api.yaml line 12.
	f := findings[0].(map[string]any)
	want := []string{"check", "file", "level", "line", "message", "path", "remediation", "resource", "severity", "standard", "suppressed"}
	if got := keys(f); !slices.Equal(got, want) {
		t.Errorf("finding keys = %v, want %v", got, want)
	}
	if f["check"] != "pss/privileged" || f["standard"] != "pod-security" || f["level"] != "baseline" ||
		f["severity"] != "high" || f["file"] != "deploy/api.yaml" || f["line"] != 12.0 || f["suppressed"] != false {
		t.Errorf("finding[0] = %v", f)
	}
	res := f["resource"].(map[string]any)
	if got := keys(res); !slices.Equal(got, []string{"apiVersion", "kind", "name", "namespace"}) {
		t.Errorf("resource keys = %v", got)
	}
	errs := doc["errors"].([]any)
	if e := errs[0].(map[string]any); e["file"] != "bad.yaml" || e["line"] != 3.0 || e["message"] == "" {
		t.Errorf("errors[0] = %v", e)
	}
	sum := doc["summary"].(map[string]any)
	if got := keys(sum); !slices.Equal(got, []string{"bySeverity", "findings", "resources", "suppressed"}) {
		t.Errorf("summary keys = %v", got)
	}
	if sum["findings"] != 4.0 || sum["suppressed"] != 1.0 || sum["resources"] != 4.0 {
		t.Errorf("summary = %v", sum)
	}
	by := sum["bySeverity"].(map[string]any)
	if got := keys(by); !slices.Equal(got, []string{"critical", "high", "low", "medium"}) {
		t.Errorf("bySeverity keys = %v", got)
	}
}

func TestJSONEmptyArrays(t *testing.T) {
	out := mustRender(t, "json", Options{}, &finding.Report{})
	var doc struct {
		Findings []any `json:"findings"`
		Errors   []any `json:"errors"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Findings == nil || doc.Errors == nil {
		t.Errorf("findings/errors must be [] not null:\n%s", out)
	}
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID                   string `json:"id"`
					DefaultConfiguration struct {
						Level string `json:"level"`
					} `json:"defaultConfiguration"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful bool `json:"executionSuccessful"`
			Notifications       []struct {
				Level string `json:"level"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex *int   `json:"ruleIndex"`
			Level     string `json:"level"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
				LogicalLocations []struct {
					FullyQualifiedName string `json:"fullyQualifiedName"`
				} `json:"logicalLocations"`
			} `json:"locations"`
			Suppressions []struct {
				Kind string `json:"kind"`
			} `json:"suppressions"`
		} `json:"results"`
	} `json:"runs"`
}

func TestSARIFDecodes(t *testing.T) {
	r := sampleReport()
	var doc sarifDoc
	if err := json.Unmarshal(mustRender(t, "sarif", Options{ToolVersion: "v0.1.0"}, r), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.1.0" || doc.Schema == "" {
		t.Errorf("version %q schema %q", doc.Version, doc.Schema)
	}
	if len(doc.Runs) != 1 {
		t.Fatalf("runs = %d", len(doc.Runs))
	}
	run := doc.Runs[0]
	rules := run.Tool.Driver.Rules
	// SARIF lists exactly the rules it was given, sorted by ID, referenced
	// or not (pss/capabilities_restricted is not); policy/required-labels
	// has no metadata, so it has no rule and its result no ruleIndex.
	var ids []string
	for _, rule := range rules {
		ids = append(ids, rule.ID)
	}
	wantIDs := []string{"bp/latest-tag", "pss/capabilities_restricted", "pss/hostPathVolumes", "pss/privileged", "pss/runAsNonRoot"}
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("rules = %v, want %v", ids, wantIDs)
	}
	if len(run.Results) != len(r.Findings) {
		t.Fatalf("results = %d, want %d", len(run.Results), len(r.Findings))
	}
	for i, res := range run.Results {
		f := r.Findings[i]
		if res.RuleID != f.Check {
			t.Errorf("result %d: ruleId %q, want %q", i, res.RuleID, f.Check)
		}
		if f.Check == "policy/required-labels" {
			if res.RuleIndex != nil {
				t.Errorf("result %d: rule %q has no metadata but ruleIndex %d", i, res.RuleID, *res.RuleIndex)
			}
		} else if res.RuleIndex == nil || *res.RuleIndex < 0 || *res.RuleIndex >= len(rules) || rules[*res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %d: ruleId %q ruleIndex %v does not point at its rule", i, res.RuleID, res.RuleIndex)
		}
		loc := res.Locations[0]
		if (loc.PhysicalLocation.Region == nil) != (f.Line == 0) {
			t.Errorf("result %d: region %v for line %d", i, loc.PhysicalLocation.Region, f.Line)
		}
		if (len(res.Suppressions) == 1 && res.Suppressions[0].Kind == "external") != f.Suppressed {
			t.Errorf("result %d: suppressions %v, suppressed %v", i, res.Suppressions, f.Suppressed)
		}
	}
	last := run.Results[len(run.Results)-1].Locations[0]
	if last.PhysicalLocation.ArtifactLocation.URI != "deploy/my%20ns.yaml" {
		t.Errorf("uri = %q", last.PhysicalLocation.ArtifactLocation.URI)
	}
	if got := last.LogicalLocations[0].FullyQualifiedName; got != "Namespace/shop" {
		t.Errorf("cluster-scoped fullyQualifiedName = %q", got)
	}
	if got := run.Results[0].Locations[0].LogicalLocations[0].FullyQualifiedName; got != "web/Deployment/api" {
		t.Errorf("fullyQualifiedName = %q", got)
	}
	inv := run.Invocations
	if len(inv) != 1 || !inv[0].ExecutionSuccessful || len(inv[0].Notifications) != 2 || inv[0].Notifications[0].Level != "error" {
		t.Errorf("invocations = %+v", inv)
	}
}

func TestSARIFLevels(t *testing.T) {
	for s, want := range map[finding.Severity]string{
		finding.SeverityCritical: "error", finding.SeverityHigh: "error",
		finding.SeverityMedium: "warning", finding.SeverityLow: "note",
	} {
		if got := sarifLevel(s); got != want {
			t.Errorf("sarifLevel(%v) = %q, want %q", s, got, want)
		}
	}
}

type junitDoc struct {
	XMLName xml.Name   `xml:"testsuites"`
	Attrs   []xml.Attr `xml:",any,attr"`
	Suites  []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			ClassName string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Body    string `xml:",chardata"`
			} `xml:"failure"`
			Error   *struct{} `xml:"error"`
			Skipped *struct{} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// totals adds up the suites' counts, as GitLab and Jenkins do.
func (d *junitDoc) totals() (tests, failures, errs, skipped int) {
	for _, s := range d.Suites {
		tests += s.Tests
		failures += s.Failures
		errs += s.Errors
		skipped += s.Skipped
	}
	return tests, failures, errs, skipped
}

func TestJUnitDecodes(t *testing.T) {
	var doc junitDoc
	if err := xml.Unmarshal(mustRender(t, "junit", Options{}, sampleReport()), &doc); err != nil {
		t.Fatal(err)
	}
	if tests, failures, errs, skipped := doc.totals(); tests != 7 || failures != 4 || errs != 2 || skipped != 1 {
		t.Errorf("totals tests=%d failures=%d errors=%d skipped=%d, want 7 4 2 1", tests, failures, errs, skipped)
	}
	// The root is written before any suite, so it carries no totals.
	if len(doc.Attrs) != 1 || doc.Attrs[0].Name.Local != "name" || doc.Attrs[0].Value != "palisade" {
		t.Errorf("testsuites attributes = %v, want only name=palisade", doc.Attrs)
	}
	var names []string
	for _, s := range doc.Suites {
		names = append(names, s.Name)
		var failures, errs, skipped int
		for _, c := range s.Cases {
			if c.ClassName != s.Name {
				t.Errorf("suite %s: classname %q", s.Name, c.ClassName)
			}
			if c.Failure != nil {
				failures++
			}
			if c.Error != nil {
				errs++
			}
			if c.Skipped != nil {
				skipped++
			}
		}
		if s.Tests != len(s.Cases) || s.Failures != failures || s.Errors != errs || s.Skipped != skipped {
			t.Errorf("suite %s counts tests=%d failures=%d errors=%d skipped=%d, cases say %d %d %d %d",
				s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases), failures, errs, skipped)
		}
	}
	wantSuites := []string{"bad.yaml", "deploy/api.yaml", "deploy/exporter.yaml", "deploy/my ns.yaml", "missing.yaml"}
	if !slices.Equal(names, wantSuites) {
		t.Errorf("suites = %v, want %v", names, wantSuites)
	}
	c := doc.Suites[1].Cases[0]
	if c.Name != "Deployment/web/api pss/privileged" || c.Failure == nil || c.Failure.Type != "pss/privileged" {
		t.Fatalf("first finding case = %+v", c)
	}
	if want := "privileged: false"; !strings.Contains(c.Failure.Body, want) {
		t.Errorf("failure body lacks remediation %q:\n%s", want, c.Failure.Body)
	}
}

func TestJUnitEmptyHasOneTest(t *testing.T) {
	var doc junitDoc
	if err := xml.Unmarshal(mustRender(t, "junit", Options{}, &finding.Report{}), &doc); err != nil {
		t.Fatal(err)
	}
	if tests, failures, errs, _ := doc.totals(); tests != 1 || failures != 0 || errs != 0 || len(doc.Suites[0].Cases) != 1 {
		t.Errorf("empty report: tests=%d failures=%d errors=%d", tests, failures, errs)
	}
}

func TestXMLSafe(t *testing.T) {
	var doc junitDoc
	r := &finding.Report{Findings: []finding.Finding{{
		Check: "x", File: "f", Severity: finding.SeverityLow, Message: "bad \x00 byte ]]> end",
	}}}
	if err := xml.Unmarshal(mustRender(t, "junit", Options{}, r), &doc); err != nil {
		t.Fatalf("junit with control characters does not parse: %v", err)
	}
}
