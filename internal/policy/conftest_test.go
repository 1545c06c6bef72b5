package policy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
)

// TestConftest: Conftest-style policies, input the object itself.
func TestConftest(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		opts  Options
		doc   string
		want  string // brief() of the findings
	}{{
		name: "string results, v1",
		files: map[string]string{"p.rego": `package main
deny contains msg if {
	input.spec.hostPID
	msg := sprintf("%s shares the host PID namespace", [input.metadata.name])
}
`},
		want: "policy/main.deny 1 high : p shares the host PID namespace\n",
	}, {
		name: "object results with a path give the field's line",
		files: map[string]string{"p.rego": `package main
violation_host_pid contains {"msg": "host PID", "path": "spec.hostPID", "extra": 1} if input.spec.hostPID
`},
		want: "policy/main.violation_host_pid 8 high spec.hostPID: host PID\n",
	}, {
		name: "warnings are low",
		files: map[string]string{"p.rego": `package main
warn_labels contains "no team label" if not input.metadata.labels.team
`},
		want: "policy/main.warn_labels 1 low : no team label\n",
	}, {
		name: "a boolean rule names itself",
		files: map[string]string{"p.rego": `package main
deny_host if input.spec.hostPID
`},
		want: "policy/main.deny_host 1 high : deny_host\n",
	}, {
		name: "other rules and packages are not entry points",
		files: map[string]string{"p.rego": `package main
denied contains "x" if true
deny_ contains "x" if true
`, "q.rego": `package other
deny contains "x" if true
`},
		want: "",
	}, {
		name: "--policy-namespace selects packages",
		files: map[string]string{"p.rego": `package main
deny contains "main" if true
`, "q.rego": `package other.rules
deny contains "other" if true
`},
		opts: Options{Namespaces: []string{"other.rules"}},
		want: "policy/other.rules.deny 1 high : other\n",
	}, {
		name: "* selects every package",
		files: map[string]string{"p.rego": `package main
deny contains "main" if true
`, "q.rego": `package other
deny contains "other" if true
`},
		opts: Options{Namespaces: []string{"*"}},
		want: "policy/main.deny 1 high : main\npolicy/other.deny 1 high : other\n",
	}, {
		name: "exception rules except rules by name",
		files: map[string]string{"p.rego": `package main
deny_host_pid contains "host PID" if input.spec.hostPID
deny_other contains "other" if true
warn_x contains "x" if true
exception contains rules if {
	input.metadata.labels.app == "web"
	rules := ["host_pid", "x"]
}
`},
		want: "policy/main.deny_other 1 high : other\n",
	}, {
		name: "a v0 file is read as v0 by default",
		files: map[string]string{"p.rego": `package main
deny[msg] {
	input.spec.hostPID
	msg := "v0"
}
`},
		want: "policy/main.deny 1 high : v0\n",
	}, {
		name: "--rego-version v0",
		files: map[string]string{"p.rego": `package main
import future.keywords.if
deny[msg] { input.spec.hostPID; msg := "v0" }
`},
		opts: Options{RegoVersion: RegoV0},
		want: "policy/main.deny 1 high : v0\n",
	}, {
		name:  "METADATA feeds the rule",
		files: map[string]string{"p.rego": hostPIDPolicy},
		want:  "policy/no-host-pid 1 critical : host PID\n",
	}, {
		name: "definitions with their own METADATA are rules of their own",
		files: map[string]string{"p.rego": `package main

# METADATA
# custom:
#   id: policy/no-host-pid
deny contains "host PID" if input.spec.hostPID

# METADATA
# custom:
#   id: policy/app-label
#   severity: low
deny contains "app is web" if input.metadata.labels.app == "web"

deny contains "plain" if true
`},
		want: "policy/app-label 1 low : app is web\npolicy/main.deny 1 high : plain\npolicy/no-host-pid 1 high : host PID\n",
	}, {
		name: "data files beside policies, wherever they are",
		files: map[string]string{"p.rego": `package main
deny contains msg if {
	some ns in data.forbidden.namespaces
	input.metadata.namespace == ns
	msg := sprintf("namespace %s is %s", [ns, data.reason])
}
`, "sub/dir/data.yaml": "forbidden:\n  namespaces: [web]\n", "other.json": `{"reason": "closed"}`},
		want: "policy/main.deny 1 high : namespace web is closed\n",
	}, {
		name: "tests are not loaded to scan",
		files: map[string]string{"p.rego": `package main
deny contains "x" if input.spec.hostPID
`, "p_test.rego": `package main
test_x if parse_config("yaml", "a: 1")
`},
		want: "policy/main.deny 1 high : x\n",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustLoad(t, tc.files, tc.opts)
			if got := brief(evaluate(t, s, podHostPID)); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// hostPIDPolicy is a Conftest rule whose METADATA names its ID,
// severity and remediation.
const hostPIDPolicy = `package main

# METADATA
# title: No host PID
# description: Host PID shares the node's processes.
# related_resources:
# - ref: https://kubernetes.io/docs/concepts/security/pod-security-standards/
# custom:
#   id: policy/no-host-pid
#   severity: critical
#   remediation: "spec:\n  hostPID: false"
deny contains "host PID" if input.spec.hostPID
`

func TestConftestRules(t *testing.T) {
	s := mustLoad(t, map[string]string{"p.rego": hostPIDPolicy + `
warn_x contains "x" if false
`}, Options{})
	want := []finding.Rule{{
		ID: "policy/main.warn_x", Standard: finding.StandardPolicy, Severity: finding.SeverityLow, Title: "main.warn_x",
	}, {
		ID: "policy/no-host-pid", Standard: finding.StandardPolicy, Severity: finding.SeverityCritical,
		Title: "No host PID", Rationale: "Host PID shares the node's processes.",
		Remediation: "spec:\n  hostPID: false", HelpURI: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
	}}
	got := s.Rules()
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("rule %d:\ngot  %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if a := s.Action("policy/main.warn_x"); a != ActionWarn {
		t.Errorf("Action = %q", a)
	}
	if a := s.Action("policy/no-host-pid"); a != ActionDeny {
		t.Errorf("Action = %q", a)
	}
}

// TestEvaluateErrors: a policy that fails at runtime is an error, and the
// other policies still report.
func TestEvaluateErrors(t *testing.T) {
	tests := []struct {
		name, rego, want string
	}{
		{"result without msg", `deny_a contains {"message": "x"} if true`, `policy/main.deny_a: result map[message:x] has no msg string`},
		{"result of another type", `deny_a contains 3 if true`, `policy/main.deny_a: result 3 is neither a string nor an object with msg`},
		{"runtime conflict", "deny_a := x if { x := input.kind }\ndeny_a := x if { x := input.metadata.name }", "eval_conflict_error: rule data.main.deny_a produced conflicting values"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustLoad(t, map[string]string{"p.rego": "package main\n" + tc.rego + "\ndeny_b contains \"b\" if true\n"}, Options{})
			fs, err := s.Evaluate(context.Background(), decode(t, podHostPID)[0], inventory.New())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if got := brief(fs); got != "policy/main.deny_b 1 high : b\n" {
				t.Errorf("findings %q", got)
			}
		})
	}
}

// TestReleasedObject: an object whose content was released, and a nil
// set, evaluate nothing.
func TestReleasedObject(t *testing.T) {
	s := mustLoad(t, map[string]string{"p.rego": "package main\ndeny contains \"x\" if true\n"}, Options{})
	o := decode(t, podHostPID)[0]
	o.Release()
	if fs, err := s.Evaluate(context.Background(), o, nil); len(fs) != 0 || err != nil {
		t.Errorf("a released object has nothing to evaluate: %v %v", fs, err)
	}
	var none *Set
	if fs, err := none.Evaluate(context.Background(), decode(t, podHostPID)[0], nil); fs != nil || err != nil || none.Rules() != nil {
		t.Error("a nil set evaluates nothing")
	}
}

// TestEvaluateCancelled: a policy still running when the context ends
// (the webhook's deadline) stops with an error instead of running on.
func TestEvaluateCancelled(t *testing.T) {
	s := mustLoad(t, map[string]string{"p.rego": "package main\ndeny_slow contains \"x\" if {\n\tsome i in numbers.range(1, 5000)\n\tsome j in numbers.range(1, 5000)\n\ti + j < 0\n}\n"}, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Evaluate(ctx, decode(t, podHostPID)[0], inventory.New())
	if err == nil || !strings.Contains(err.Error(), "cancel") {
		t.Errorf("error %v, want a cancellation", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("stopped after %v", took)
	}
}
