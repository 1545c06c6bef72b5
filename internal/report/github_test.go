package report

import (
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/internal/finding"
)

func TestGitHubEscaping(t *testing.T) {
	r := &finding.Report{Findings: []finding.Finding{{
		Check: "bp/a,b:c", Severity: finding.SeverityMedium,
		File: "dir/x,y:z.yaml", Line: 7,
		Resource: finding.Resource{Kind: "Pod", Namespace: "ns", Name: "p"},
		Message:  "100% bad\r\nnext: a, b",
	}}}
	got := string(mustRender(t, "github", Options{}, r))
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one command and one summary line, got %q", got)
	}
	want := "::warning file=dir/x%2Cy%3Az.yaml,line=7,title=bp/a%2Cb%3Ac::Pod ns/p: 100%25 bad%0D%0Anext: a, b"
	if lines[0] != want {
		t.Errorf("got  %s\nwant %s", lines[0], want)
	}
}

func TestGitHubEscapers(t *testing.T) {
	in := "a%b\r\nc:d,e"
	if got, want := escapeData(in), "a%25b%0D%0Ac:d,e"; got != want {
		t.Errorf("escapeData = %q, want %q", got, want)
	}
	if got, want := escapeProperty(in), "a%25b%0D%0Ac%3Ad%2Ce"; got != want {
		t.Errorf("escapeProperty = %q, want %q", got, want)
	}
}

func TestGitHubLevels(t *testing.T) {
	for s, want := range map[finding.Severity]string{
		finding.SeverityCritical: "error", finding.SeverityHigh: "error",
		finding.SeverityMedium: "warning", finding.SeverityLow: "notice",
	} {
		if got := githubLevel(s); got != want {
			t.Errorf("githubLevel(%v) = %q, want %q", s, got, want)
		}
	}
}
