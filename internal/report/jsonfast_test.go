package report

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/palisade-dev/palisade/internal/finding"
)

// reference encodes f the way the report did before appendFinding, and the
// way it still encodes audit findings.
func reference(t testing.TB, prefix string, f finding.Finding) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(f); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

var awkward = []string{
	"", "plain", `quote " and \ backslash`, "tab\tnewline\nreturn\r", "\b\f\x00\x01\x1f\x7f",
	"<html> & </html>", "héllo wörld ✓ 🚀", "\u2028line\u2029para", "bad utf8 \xff\xfe end", "\xc3",
	"trailing \xe2\x80", "spec.containers[0].securityContext.privileged",
}

func randomString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return awkward[r.IntN(len(awkward))]
	}
	b := make([]byte, r.IntN(20))
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return string(b)
}

func TestAppendFindingMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		f := finding.Finding{
			Check: randomString(r), Standard: finding.Standard(randomString(r)), Level: randomString(r),
			Severity: finding.Severity(r.IntN(5)), File: randomString(r), Line: r.IntN(100000) - 10,
			Resource: finding.Resource{APIVersion: randomString(r), Kind: randomString(r), Namespace: randomString(r), Name: randomString(r)},
			Path:     randomString(r), Message: randomString(r), Remediation: randomString(r), Suppressed: r.IntN(2) == 0,
		}
		for _, prefix := range []string{"", "    "} {
			want := reference(t, prefix, f)
			if got := string(appendFinding(nil, prefix, &f)); got != want {
				t.Fatalf("finding %#v, prefix %q:\n got %s\nwant %s", f, prefix, got, want)
			}
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range awkward {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s want %s", s, got, want)
		}
	})
}
