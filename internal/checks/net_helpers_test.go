package checks

import (
	"slices"
	"testing"

	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/manifest"
)

// netCase is one inline-YAML case of a net/ check and every violation it
// must raise, exactly.
type netCase struct {
	name string
	doc  string
	want []found
}

func runNetCases(t *testing.T, id string, cases []netCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := run(t, id, config.CheckParams{}, c.doc)
			if !slices.Equal(got, c.want) {
				t.Errorf("%s:\n got %+v\nwant %+v", id, got, c.want)
			}
		})
	}
}

func TestHostCovered(t *testing.T) {
	for _, c := range []struct {
		host, tls string
		want      bool
	}{
		{"a.example.com", "a.example.com", true},
		{"A.Example.com", "a.example.COM", true},
		{"a.example.com", "*.example.com", true},
		{"example.com", "*.example.com", false},
		{"a.b.example.com", "*.example.com", false},
		{"*.example.com", "*.example.com", true},
		{"*.a.example.com", "*.example.com", false},
		{"a.example.org", "*.example.com", false},
		{"a.example.com", "example.com", false},
	} {
		if got := netHostCovered(c.host, c.tls); got != c.want {
			t.Errorf("netHostCovered(%q, %q) = %v, want %v", c.host, c.tls, got, c.want)
		}
	}
}

func TestPolicyTypesDefaulting(t *testing.T) {
	for _, c := range []struct {
		name, doc       string
		ingress, egress bool
	}{
		{"omitted, no egress rules", "spec: {podSelector: {}}", true, false},
		{"omitted, egress rules", "spec: {podSelector: {}, egress: [{}]}", true, true},
		{"omitted, empty egress list", "spec: {podSelector: {}, egress: []}", true, false},
		{"egress only", "spec: {podSelector: {}, policyTypes: [Egress]}", false, true},
		{"both", "spec: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{}]}", true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc := "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\n" + c.doc + "\n"
			objs, errs := manifest.Decode("test.yaml", []byte(doc))
			if len(errs) > 0 || len(objs) != 1 {
				t.Fatalf("decode: %v", errs)
			}
			np, ok := netAsNetworkPolicy(&Object{Object: objs[0]})
			if !ok {
				t.Fatal("not a NetworkPolicy")
			}
			in, eg := netPolicyTypes(&np.Spec)
			if in != c.ingress || eg != c.egress {
				t.Errorf("policyTypes = (%v, %v), want (%v, %v)", in, eg, c.ingress, c.egress)
			}
		})
	}
}
