package policy

import (
	"errors"
	"strings"
	"testing"
)

const hostPIDTemplate = `package k8sdenyhostpid
violation[{"msg": "host PID"}] {
  input.review.object.spec.hostPID
}
`

// TestLoadErrors: every bad policy is an error naming its file and line;
// every problem of a Load is reported at once.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		opts  Options
		want  []string // "file:line: message" fragments, file relative to the folder
	}{{
		name:  "syntax error",
		files: map[string]string{"p.rego": "package main\n\ndeny contains msg if {\n  msg := \n}\n"},
		want:  []string{"p.rego:5: rego_parse_error: unexpected } token"},
	}, {
		name:  "unsafe rule",
		files: map[string]string{"p.rego": "package main\n\ndeny contains y if {\n  true\n}\n"},
		want:  []string{"p.rego:3: rego_unsafe_var_error: var y is unsafe"},
	}, {
		name: "network built-in",
		files: map[string]string{"p.rego": `package main

deny contains "x" if {
	http.send({"method": "get", "url": "https://example.com"})
}
`},
		want: []string{"p.rego:4: rego_type_error: unsafe built-in function calls in expression: http.send (network built-ins are disabled"},
	}, {
		name: "v0 file with --rego-version v1",
		files: map[string]string{"p.rego": `package main
deny[msg] { msg := "x" }
`},
		opts: Options{RegoVersion: RegoV1},
		want: []string{"p.rego:2: rego_parse_error: `if` keyword is required before rule body"},
	}, {
		name: "template name does not match its kind",
		files: map[string]string{"t.yaml": strings.Replace(templateYAML("K8sDenyHostPID", hostPIDTemplate),
			"name: k8sdenyhostpid", "name: deny-host-pid", 1)},
		want: []string{`t.yaml:4: ConstraintTemplate "deny-host-pid": its name must be the lower-case of its kind "K8sDenyHostPID" (want "k8sdenyhostpid")`},
	}, {
		name:  "constraint without its template",
		files: map[string]string{"c.yaml": "# a constraint\n" + constraintYAML("K8sMissing", "c", "match: {}")},
		want:  []string{`c.yaml:2: K8sMissing "c": no ConstraintTemplate defines kind K8sMissing`},
	}, {
		name: "template Rego syntax error at its YAML line",
		files: map[string]string{"t.yaml": templateYAML("K8sBroken", `package k8sbroken
violation[{"msg": msg}] {
  msg :=
}
`)},
		want: []string{"t.yaml:16: rego_parse_error: unexpected } token"},
	}, {
		name:  "template without violation",
		files: map[string]string{"t.yaml": templateYAML("K8sNoViolation", "package x\ndeny[1] { true }\n")},
		want:  []string{`t.yaml:13: ConstraintTemplate "k8snoviolation": its Rego has no violation rule`},
	}, {
		name: "template reading data outside inventory and lib",
		files: map[string]string{"t.yaml": templateYAML("K8sData", `package x
violation[{"msg": "m"}] {
  data.secrets.x
}
`)},
		want: []string{`t.yaml:15: ConstraintTemplate "k8sdata": it may only read data.inventory and data.lib, not data.secrets.x`},
	}, {
		name: "template lib outside lib",
		files: map[string]string{"t.yaml": templateYAML("K8sLib", hostPIDTemplate) + `    libs:
    - |
      package helpers
      x := 1
`},
		want: []string{`ConstraintTemplate "k8slib": lib package data.helpers must be under lib`},
	}, {
		name: "unknown enforcement action",
		files: map[string]string{
			"t.yaml": templateYAML("K8sDenyHostPID", hostPIDTemplate),
			"c.yaml": constraintYAML("K8sDenyHostPID", "c", "enforcementAction: block"),
		},
		want: []string{`c.yaml:6: K8sDenyHostPID "c": enforcementAction "block" is not deny, dryrun, warn or scoped`},
	}, {
		name: "bad label selector",
		files: map[string]string{
			"t.yaml": templateYAML("K8sDenyHostPID", hostPIDTemplate),
			"c.yaml": constraintYAML("K8sDenyHostPID", "c", "match:\n  labelSelector:\n    matchExpressions: [{key: a, operator: Near}]"),
		},
		want: []string{`c.yaml:6: K8sDenyHostPID "c": spec.match: labelSelector: "Near" is not a valid label selector operator`},
	}, {
		name: "misspelt match field",
		files: map[string]string{
			"t.yaml": templateYAML("K8sDenyHostPID", hostPIDTemplate),
			"c.yaml": constraintYAML("K8sDenyHostPID", "c", "match:\n  excludedNamespace: [kube-system]"),
		},
		want: []string{`unknown field "excludedNamespace"`},
	}, {
		name: "METADATA severity",
		files: map[string]string{"p.rego": `package main

# METADATA
# custom:
#   severity: urgent
deny contains "x" if { false }
`},
		want: []string{"p.rego:3: METADATA custom.severity must be one of low, medium, high, critical"},
	}, {
		name: "two rules with one ID",
		files: map[string]string{"p.rego": `package main

# METADATA
# custom:
#   id: policy/same
deny_a contains "x" if { false }

# METADATA
# custom:
#   id: policy/same
deny_b contains "x" if { false }
`},
		want: []string{"p.rego:11: rule ID policy/same is already used at"},
	}, {
		name: "data files that disagree",
		files: map[string]string{
			"a/data.yaml": "limits: {cpu: 1}\n",
			"b/data.json": `{"limits": {"cpu": 2}}`,
		},
		want: []string{"b/data.json: data conflict at data.limits.cpu"},
	}, {
		name: "several problems at once",
		files: map[string]string{
			"a.rego": "package main\ndeny contains msg if {\n",
			"b.rego": "package\n",
			"c.yaml": constraintYAML("K8sMissing", "c", "match: {}"),
		},
		want: []string{"a.rego:3: rego_parse_error", "b.rego:2: rego_parse_error", "c.yaml:1: K8sMissing"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, dir, err := loadFiles(t, tc.files, tc.opts)
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("want a *LoadError, got %v", err)
			}
			got := strings.ReplaceAll(err.Error(), dir+"/", "")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("error does not contain %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestSchemaErrors(t *testing.T) {
	tpl := strings.Replace(templateYAML("K8sLabels", `package k8slabels
violation[{"msg": "m"}] { false }
`), "        kind: K8sLabels\n", `        kind: K8sLabels
      validation:
        openAPIV3Schema:
          type: object
          properties:
            labels: {type: array, items: {type: string}}
            mode: {type: string, enum: [strict, lax]}
`, 1)
	tests := []struct {
		name, params, want string
	}{
		{"wrong type", "labels: team", `c.yaml:7: K8sLabels "c": spec.parameters.labels: must be of type array, got string`},
		{"wrong item", "labels: [1]", `spec.parameters.labels[0]: must be of type string, got number`},
		{"not in enum", "mode: loose", `spec.parameters.mode: loose is not one of [strict lax]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, dir, err := loadFiles(t, map[string]string{
				"t.yaml": tpl,
				"c.yaml": constraintYAML("K8sLabels", "c", "parameters:\n  "+tc.params),
			}, Options{})
			if !errors.Is(err, ErrSchema) {
				t.Fatalf("want ErrSchema, got %v", err)
			}
			if got := strings.ReplaceAll(err.Error(), dir+"/", ""); !strings.Contains(got, tc.want) {
				t.Errorf("got %s\nwant %s", got, tc.want)
			}
		})
	}
	// Unknown fields are pruned by the API server, not rejected.
	if _, _, err := loadFiles(t, map[string]string{
		"t.yaml": tpl,
		"c.yaml": constraintYAML("K8sLabels", "c", "parameters:\n  labels: [team]\n  extra: 1"),
	}, Options{}); err != nil {
		t.Errorf("valid parameters: %v", err)
	}
}

// TestCELOnlyTemplates: a template with only Gatekeeper's CEL engine is
// not an error but Unsupported, and its constraints are skipped; one with
// both engines is evaluated with its Rego.
func TestCELOnlyTemplates(t *testing.T) {
	cel := `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8scelonly
spec:
  crd:
    spec:
      names:
        kind: K8sCELOnly
  targets:
  - target: admission.k8s.gatekeeper.sh
    code:
    - engine: K8sNativeValidation
      source:
        validations:
        - expression: "false"
`
	both := cel + `    - engine: Rego
      source:
        version: v1
        rego: |
          package k8sboth
          violation contains {"msg": "from Rego"} if input.review.object.kind == "Pod"
`
	both = strings.ReplaceAll(strings.ReplaceAll(both, "k8scelonly", "k8sboth"), "K8sCELOnly", "K8sBoth")
	s := mustLoad(t, map[string]string{
		"cel.yaml":   cel,
		"c1.yaml":    constraintYAML("K8sCELOnly", "c1", "match: {}"),
		"both.yaml":  both,
		"c2.yaml":    constraintYAML("K8sBoth", "c2", "match: {}"),
		"other.yaml": podHostPID, // fixtures beside policies are not policies
	}, Options{})
	u := s.Unsupported()
	if len(u) != 1 || !strings.Contains(u[0].Message, `ConstraintTemplate "k8scelonly" (kind K8sCELOnly) is unsupported: it only has Gatekeeper's CEL engine`) || u[0].Line != 1 {
		t.Errorf("Unsupported() = %v", u)
	}
	if got, want := brief(evaluate(t, s, podHostPID)), "policy/k8sboth.c2 1 high : from Rego\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestUnknownRegoVersion(t *testing.T) {
	if _, _, err := loadFiles(t, nil, Options{RegoVersion: "v2"}); err == nil || !strings.Contains(err.Error(), `unknown Rego version "v2"`) {
		t.Errorf("got %v", err)
	}
}
