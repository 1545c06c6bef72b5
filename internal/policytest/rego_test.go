package policytest

import (
	"bytes"
	"context"
	"regexp"
	"testing"
)

const mainPolicy = `package main

deny contains msg if {
	input.kind == "Pod"
	not input.metadata.labels.team
	msg := "no team"
}

warn contains "web" if input.metadata.name == "web"
`

// TestRegoTests: test_* rules run like opa test: counts, the location of
// failures and their failing expression, --run, print output, Conftest's
// parse_config* built-ins, and coverage.
func TestRegoTests(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		opts   Options
		want   Summary
		output []string
	}{{
		name: "passing tests",
		files: map[string]string{"p.rego": mainPolicy, "p_test.rego": `package main
test_denied if deny == {"no team"} with input as {"kind": "Pod", "metadata": {}}
test_allowed if count(deny) == 0 with input as {"kind": "Pod", "metadata": {"labels": {"team": "a"}}}
`},
		want:   Summary{Passed: 2},
		output: []string{`^PASS: 2/2\n$`},
	}, {
		name: "a failure names its file, line and expression",
		files: map[string]string{"p.rego": mainPolicy, "sub/p_test.rego": `package main

test_wrong if {
	x := 1
	deny == {"other"} with input as {"kind": "Pod", "metadata": {}}
}
`},
		want:   Summary{Failed: 1},
		output: []string{`sub/p_test.rego:3:\ndata.main.test_wrong: FAIL`, `sub/p_test.rego:5:\n\s+deny == \{"other"\}`, `FAIL: 1/1`},
	}, {
		name: "errors, and --run",
		files: map[string]string{"p.rego": mainPolicy, "p_test.rego": `package main
test_parse_error if parse_config("yaml", "a: [")
test_other if false
`},
		opts:   Options{Run: "parse"},
		want:   Summary{Errored: 1},
		output: []string{`p_test.rego:2:\ndata.main.test_parse_error: FAIL`, `p_test.rego:2: eval_builtin_error: parse_config: yaml: line 1`, `ERROR: 1/1`},
	}, {
		name: "parse_config built-ins read fixtures beside the test",
		files: map[string]string{"p.rego": mainPolicy, "t/p_test.rego": `package main
test_file if deny == {"no team"} with input as parse_config_file("pod.yaml")
test_json if parse_config("json", "{\"a\": [1]}") == {"a": [1]}
test_combined if {
	files := parse_combined_config_files(["pod.yaml", "web.json"])
	count(files) == 2
	endswith(files[0].path, "t/pod.yaml")
	warn == {"web"} with input as files[1].contents
}
test_multi_document if count(parse_config("yaml", "a: 1\n---\nb: 2\n")) == 2
`, "t/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", "t/web.json": `{"kind": "Service", "metadata": {"name": "web"}}`},
		want: Summary{Passed: 4},
	}, {
		name: "verbose prints every test and print() output",
		files: map[string]string{"p.rego": mainPolicy, "p_test.rego": `package main
test_printing if {
	print("hello from the test")
	true
}
`},
		opts:   Options{Verbose: true},
		want:   Summary{Passed: 1},
		output: []string{`data.main.test_printing: PASS`, `hello from the test`},
	}, {
		name: "coverage",
		files: map[string]string{"p.rego": mainPolicy, "p_test.rego": `package main
test_denied if deny == {"no team"} with input as {"kind": "Pod", "metadata": {}}
`},
		opts:   Options{Coverage: true, Verbose: true},
		want:   Summary{Passed: 1},
		output: []string{`coverage: \d+\.\d% of \d+ lines`, `p.rego\t\d+\.\d%\n    not covered: 9`},
	}, {
		name: "data files are data in tests",
		files: map[string]string{"data.yaml": "teams: [a]\n", "p_test.rego": `package main
test_data if data.teams == ["a"]
`},
		want: Summary{Passed: 1},
	}, {
		name: "v0 tests",
		files: map[string]string{"p_test.rego": `package main
test_v0 { true }
`},
		want: Summary{Passed: 1},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			var out bytes.Buffer
			sum, err := Run(context.Background(), []string{dir}, tc.opts, &out)
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
