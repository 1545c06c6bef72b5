package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func load(t *testing.T, body string) (*Config, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), ".palisade.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(p)
}

func TestLoad(t *testing.T) {
	c, err := load(t, `pss: {level: baseline, version: v1.30}
failOn: critical
checks:
  disable: [bp/cpu-limits]
  trustedRegistries: ["ghcr.io/acme/*"]
severity: {pss/hostPorts: medium}
exceptions:
- checks: [pss/privileged]
  reason: reviewed
`)
	if err != nil {
		t.Fatal(err)
	}
	if c.PSS.Level != "baseline" || c.PSS.Version != "v1.30" || c.FailOn != "critical" ||
		c.Checks.Disable[0] != "bp/cpu-limits" || c.Checks.TrustedRegistries[0] != "ghcr.io/acme/*" ||
		len(c.Exceptions) != 1 || c.Severity["pss/hostPorts"] != "medium" {
		t.Fatalf("%+v", c)
	}
}

func TestDefaultsStayWhenUnset(t *testing.T) {
	c, err := load(t, "failOn: low\n")
	if err != nil || c.PSS.Level != "restricted" || c.PSS.Version != "latest" {
		t.Fatalf("%+v %v", c, err)
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"pss:\n  level: baseline\nchekcs: {}\n", ".palisade.yaml:3: field chekcs not found"},
		{"checks:\n  trustedRegistry: [x]\n", ".palisade.yaml:2: field trustedRegistry not found"},
		{"failOn: severe\n", `failOn: unknown severity "severe"`},
		{"severity: {pss/privileged: huge}\n", "severity[pss/privileged]"},
		{"exceptions:\n- checks: [a]\n", "exceptions[0]: exception has no reason"},
		{"pss: [\n", ".palisade.yaml"},
	} {
		_, err := load(t, c.body)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.body, err, c.want)
		}
	}
}
