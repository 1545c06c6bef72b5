package policytest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestExamples runs the tests of policies/examples, as CI must: every
// example policy ships with Rego tests or gator suites, and they pass.
func TestExamples(t *testing.T) {
	var out bytes.Buffer
	sum, err := Run(context.Background(), []string{"../../policies/examples"}, Options{}, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if sum.Failing() || sum.Passed < 20 {
		t.Fatalf("summary %+v\n%s", sum, out.String())
	}
	for _, suite := range []string{"host-pid/gatekeeper", "istio-unique-host", "ingress-unique-host", "team-label"} {
		if !strings.Contains(out.String(), "ok\t../../policies/examples/"+suite+"/suite.yaml\n") {
			t.Errorf("suite %s did not pass:\n%s", suite, out.String())
		}
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	labelsTemplate = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8slabels
spec:
  crd:
    spec:
      names:
        kind: K8sLabels
      validation:
        openAPIV3Schema:
          type: object
          properties:
            labels: {type: array, items: {type: string}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8slabels
      violation[{"msg": msg}] {
        l := input.parameters.labels[_]
        not input.review.object.metadata.labels[l]
        msg := sprintf("missing label %v", [l])
      }
      violation[{"msg": msg}] {
        input.review.operation == "DELETE"
        msg := sprintf("%v deletes", [input.review.userInfo.username])
      }
`
	labelsConstraint = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sLabels
metadata:
  name: need-labels
spec:
  parameters:
    labels: [team, app]
`
	unlabelled = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: web}\n"
	labelled   = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: web, labels: {team: a, app: b}}\n"
	deletion   = `apiVersion: admission.k8s.io/v1
kind: AdmissionReview
request:
  operation: DELETE
  userInfo: {username: alice}
  oldObject: {apiVersion: v1, kind: Pod, metadata: {name: p, labels: {team: a, app: b}}}
`
)

// suite builds a Suite file from its tests.
func suite(tests string) string {
	return "kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\nmetadata: {name: s}\ntests:\n" + tests
}

// TestSuites: gator verify's semantics, case by case.
func TestSuites(t *testing.T) {
	files := map[string]string{
		"template.yaml":        labelsTemplate,
		"constraint.yaml":      labelsConstraint,
		"bad-params.yaml":      strings.Replace(labelsConstraint, "[team, app]", "team", 1),
		"samples/bare.yaml":    unlabelled,
		"samples/ok.yaml":      labelled,
		"samples/delete.yaml":  deletion,
		"samples/two.yaml":     unlabelled + "---\n" + labelled,
		"samples/broken.yaml":  "kind: [\n",
		"samples/ns-only.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n",
	}
	const head = "- name: t\n  template: template.yaml\n  constraint: constraint.yaml\n  cases:\n"
	tests := []struct {
		name, cases string
		opts        Options
		want        Summary
		output      []string // regular expressions the output must match
	}{{
		name:   "counts, yes, no and messages",
		cases:  "  - {name: bare, object: samples/bare.yaml, assertions: [{violations: 2}, {violations: 1, message: 'label team$'}, {violations: yes, message: app}]}\n  - {name: ok, object: samples/ok.yaml, assertions: [{violations: no}]}\n",
		want:   Summary{Passed: 2},
		output: []string{`(?m)^ok\t.*/suite.yaml$`},
	}, {
		name:  "violations default to yes",
		cases: "  - {name: ok, object: samples/ok.yaml, assertions: [{message: label}]}\n",
		want:  Summary{Failed: 1},
		output: []string{
			`--- FAIL: t/ok\n        assertion 1: got 0 violations matching "label", want at least 1; got messages \[\]`,
			`(?m)^FAIL\t.*/suite.yaml$`, `FAIL: 1/1 suite cases`,
		},
	}, {
		name:   "wrong count",
		cases:  "  - {name: bare, object: samples/bare.yaml, assertions: [{violations: 1}]}\n",
		want:   Summary{Failed: 1},
		output: []string{`got 2 violations, want 1; got messages \["missing label app" "missing label team"\]`},
	}, {
		name:   "an AdmissionReview is a request",
		cases:  "  - {name: delete, object: samples/delete.yaml, assertions: [{violations: 1, message: alice deletes}]}\n",
		want:   Summary{Passed: 1},
		output: []string{`ok\t`},
	}, {
		name:   "cases that cannot run",
		cases:  "  - {name: missing, object: samples/none.yaml, assertions: [{violations: no}]}\n  - {name: two, object: samples/two.yaml, assertions: [{violations: no}]}\n  - {name: none, object: samples/ok.yaml}\n  - {name: broken, object: samples/broken.yaml, assertions: [{violations: no}]}\n  - {name: noobject, assertions: [{violations: no}]}\n  - {name: count, object: samples/ok.yaml, assertions: [{violations: many}]}\n",
		want:   Summary{Errored: 6},
		output: []string{`t/missing\n        invalid case: open .*samples/none.yaml: no such file`, `t/two\n        invalid case: samples/two.yaml defines 2 objects, want 1`, `t/none\n        invalid case: no assertions`, `t/broken\n        invalid case: .*broken.yaml:1`, `t/noobject\n        invalid case: no object`, `violations must be yes, no or a count, got many`, `ERROR: 6/6 suite cases`},
	}, {
		name:   "skip and --run",
		cases:  "  - {name: bare, object: samples/bare.yaml, assertions: [{violations: 2}]}\n  - {name: ok, object: samples/ok.yaml, assertions: [{violations: no}]}\n  - {name: skipped, skip: true, object: samples/ok.yaml, assertions: [{violations: no}]}\n",
		opts:   Options{Run: "^ok$", Verbose: true},
		want:   Summary{Passed: 1, Skipped: 2},
		output: []string{`--- PASS: t/ok\n`, `--- SKIP: t/bare\n`, `SKIPPED: 2/3 suite cases`},
	}, {
		name:   "inventory objects give namespace labels",
		cases:  "  - {name: bare, object: samples/bare.yaml, inventory: [samples/ns-only.yaml], assertions: [{violations: 2}]}\n",
		want:   Summary{Passed: 1},
		output: []string{`ok\t`},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := map[string]string{"suite.yaml": suite(head + tc.cases)}
			for k, v := range files {
				f[k] = v
			}
			dir := writeFiles(t, f)
			var out bytes.Buffer
			sum, err := Run(context.Background(), []string{filepath.Join(dir, "suite.yaml")}, tc.opts, &out)
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if sum != tc.want {
				t.Errorf("summary %+v, want %+v\n%s", sum, tc.want, out.String())
			}
			for _, re := range tc.output {
				if !regexp.MustCompile(re).MatchString(out.String()) {
					t.Errorf("output does not match %q:\n%s", re, out.String())
				}
			}
		})
	}
}

// TestInvalidConstraints: invalid: true expects the constraint to fail its
// template's schema.
func TestInvalidConstraints(t *testing.T) {
	tests := []struct {
		constraint string
		want       Summary
	}{
		{"bad-params.yaml", Summary{Passed: 1}},
		{"constraint.yaml", Summary{Failed: 1}},
	}
	for _, tc := range tests {
		dir := writeFiles(t, map[string]string{
			"template.yaml":   labelsTemplate,
			"constraint.yaml": labelsConstraint,
			"bad-params.yaml": strings.Replace(labelsConstraint, "[team, app]", "team", 1),
			"suite.yaml":      suite("- {name: invalid, template: template.yaml, constraint: " + tc.constraint + ", invalid: true}\n"),
		})
		var out bytes.Buffer
		sum, err := Run(context.Background(), []string{filepath.Join(dir, "suite.yaml")}, Options{}, &out)
		if err != nil || sum != tc.want {
			t.Errorf("%s: %+v %v\n%s", tc.constraint, sum, err, out.String())
		}
	}
}

// TestBadPolicies: policies that do not load stop the run with errors
// naming file and line (exit code 2).
func TestBadPolicies(t *testing.T) {
	celOnly := strings.Replace(labelsTemplate, "    rego: |", "    code:\n    - engine: K8sNativeValidation\n      source: {validations: [{expression: 'true'}]}\n    norego: |", 1)
	tests := []struct {
		name  string
		files map[string]string
		path  string
		want  string
	}{{
		name:  "constraint of another kind than the template",
		files: map[string]string{"template.yaml": labelsTemplate, "other.yaml": strings.Replace(labelsConstraint, "K8sLabels", "K8sOther", 1), "suite.yaml": suite("- {name: t, template: template.yaml, constraint: other.yaml, cases: []}\n")},
		path:  "suite.yaml",
		want:  `other.yaml:1: K8sOther "need-labels": no ConstraintTemplate defines kind K8sOther`,
	}, {
		name:  "schema error outside an invalid test",
		files: map[string]string{"template.yaml": labelsTemplate, "c.yaml": strings.Replace(labelsConstraint, "[team, app]", "team", 1), "suite.yaml": suite("- {name: t, template: template.yaml, constraint: c.yaml, cases: []}\n")},
		path:  "suite.yaml",
		want:  `c.yaml:7: K8sLabels "need-labels": spec.parameters.labels: must be of type array, got string`,
	}, {
		name:  "CEL-only template in a suite",
		files: map[string]string{"template.yaml": celOnly, "suite.yaml": suite("- {name: t, template: template.yaml, constraint: constraint.yaml, cases: []}\n"), "constraint.yaml": labelsConstraint},
		path:  "suite.yaml",
		want:  `template.yaml:1: ConstraintTemplate "k8slabels" (kind K8sLabels) is unsupported`,
	}, {
		name:  "CEL-only template in a folder",
		files: map[string]string{"template.yaml": celOnly},
		path:  ".",
		want:  `is unsupported: it only has Gatekeeper's CEL engine`,
	}, {
		name:  "Rego syntax error",
		files: map[string]string{"p_test.rego": "package main\ntest_x if {\n"},
		path:  ".",
		want:  `p_test.rego:3: rego_parse_error`,
	}, {
		name:  "missing template file",
		files: map[string]string{"suite.yaml": suite("- {name: t, template: nowhere.yaml, constraint: c.yaml, cases: []}\n")},
		path:  "suite.yaml",
		want:  `nowhere.yaml: no such file or directory`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			_, err := Run(context.Background(), []string{filepath.Join(dir, tc.path)}, Options{}, &bytes.Buffer{})
			var bad *BadPolicyError
			if !errors.As(err, &bad) {
				t.Fatalf("want a BadPolicyError, got %v", err)
			}
			if got := strings.ReplaceAll(err.Error(), dir+"/", ""); !strings.Contains(got, tc.want) {
				t.Errorf("got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{"pod.yaml": unlabelled, "notes.txt": "x"})
	for _, tc := range []struct{ path, opt, want string }{
		{"pod.yaml", "", "is not a gator Suite"},
		{"notes.txt", "", "want a folder, a .rego file or a Suite file"},
		{".", "(", "--run: error parsing regexp"},
	} {
		_, err := Run(context.Background(), []string{filepath.Join(dir, tc.path)}, Options{Run: tc.opt}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.path, err, tc.want)
		}
	}
	// A folder with nothing to test fails: CI that tests nothing is wrong.
	var out bytes.Buffer
	sum, err := Run(context.Background(), []string{filepath.Join(dir)}, Options{}, &out)
	if err != nil || !sum.Failing() || !strings.Contains(out.String(), "no tests found in") {
		t.Errorf("empty folder: %+v %v %s", sum, err, out.String())
	}
}

// TestSampleConstraints: in a folder, constraints are the suites' business:
// gatekeeper-library keeps deliberately invalid ones, and several of one
// name, in its sample folders.
func TestSampleConstraints(t *testing.T) {
	bad := strings.Replace(labelsConstraint, "[team, app]", "team", 1)
	dir := writeFiles(t, map[string]string{
		"template.yaml":               labelsTemplate,
		"samples/a/constraint.yaml":   labelsConstraint,
		"samples/b/constraint.yaml":   labelsConstraint,
		"samples/bad/constraint.yaml": bad,
		"samples/ok.yaml":             labelled,
		"suite.yaml": suite("- {name: ok, template: template.yaml, constraint: samples/a/constraint.yaml, cases: [{name: ok, object: samples/ok.yaml, assertions: [{violations: no}]}]}\n" +
			"- {name: invalid, template: template.yaml, constraint: samples/bad/constraint.yaml, invalid: true}\n"),
	})
	var out bytes.Buffer
	sum, err := Run(context.Background(), []string{dir}, Options{}, &out)
	if err != nil || sum != (Summary{Passed: 2}) {
		t.Errorf("%+v %v\n%s", sum, err, out.String())
	}
}
