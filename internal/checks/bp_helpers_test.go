package checks

import (
	"fmt"
	"testing"

	"github.com/palisade-dev/palisade/internal/config"
)

// bpWant is one expected violation: line, field path and message.
type bpWant struct {
	Line    int
	Path    string
	Message string
}

type bpCase struct {
	name   string
	params config.CheckParams
	doc    string
	want   []bpWant
}

// bpTable runs check id on each case's inline YAML and asserts the exact
// violations, in order.
func bpTable(t *testing.T, id string, cases []bpCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []bpWant
			for _, f := range run(t, id, tc.params, tc.doc) {
				got = append(got, bpWant{f.Line, f.Path, f.Message})
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got:\n%s\nwant:\n%s", bpFormat(got), bpFormat(tc.want))
			}
		})
	}
}

func bpFormat(ws []bpWant) string {
	s := ""
	for _, w := range ws {
		s += fmt.Sprintf("\t{%d, %q, %q},\n", w.Line, w.Path, w.Message)
	}
	return s
}

func TestBPParseImage(t *testing.T) {
	for _, tc := range []struct {
		ref               string
		valid             bool
		name, tag, digest string
	}{
		{"nginx", true, "docker.io/library/nginx", "", ""},
		{"nginx:1.25", true, "docker.io/library/nginx", "1.25", ""},
		{"foo/bar:latest", true, "docker.io/foo/bar", "latest", ""},
		{"docker.io/nginx", true, "docker.io/library/nginx", "", ""},
		{"index.docker.io/library/nginx:1", true, "docker.io/library/nginx", "1", ""},
		{"localhost/app", true, "localhost/app", "", ""},
		{"localhost:5000/app:v1", true, "localhost:5000/app", "v1", ""},
		{"registry:5000/kubevirt/disk:devel", true, "registry:5000/kubevirt/disk", "devel", ""},
		{"ghcr.io/acme/tools/app:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true,
			"ghcr.io/acme/tools/app", "1.0", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		{"Registry.Example.COM/app", true, "registry.example.com/app", "", ""},
		{"{IMAGE}", false, "", "", ""},
		{"", false, "", "", ""},
		{"<image_url>", false, "", "", ""},
		{"Nginx", false, "", "", ""},
	} {
		if got := bpImageValid(tc.ref); got != tc.valid {
			t.Errorf("bpImageValid(%q) = %v, want %v", tc.ref, got, tc.valid)
		}
		if !tc.valid {
			continue
		}
		r := bpParseImage(tc.ref)
		if r.Name != tc.name || r.Tag != tc.tag || r.Digest != tc.digest {
			t.Errorf("bpParseImage(%q) = %+v, want {%s %s %s}", tc.ref, r, tc.name, tc.tag, tc.digest)
		}
	}
}
