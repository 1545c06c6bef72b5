package checks

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/internal/config"
)

// checkCase is one table row of the rbac/, ns/ and storage/ check tests:
// inline YAML and the exact findings (kind, name, path, line, message).
type checkCase struct {
	name   string
	params config.CheckParams
	doc    string
	want   []found
}

func runCases(t *testing.T, id string, cases []checkCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := run(t, id, c.params, c.doc)
			if !slices.Equal(got, c.want) {
				t.Errorf("%s:\n got: %s\nwant: %s", id, dumpFound(got), dumpFound(c.want))
			}
		})
	}
}

func dumpFound(fs []found) string {
	if len(fs) == 0 {
		return "none"
	}
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n  {%q, %q, %q, %d, %q}", f.Kind, f.Name, f.Path, f.Line, f.Message)
	}
	return b.String()
}
