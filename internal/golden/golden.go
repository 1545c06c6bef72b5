// Package golden compares test output with files under testdata, so that
// the exact bytes users see are reviewed in diffs rather than rebuilt from
// assertions. Run a package's tests with -update to rewrite its golden files.
//
// Only test code should import this package: it registers the -update flag
// on the default flag set, which is harmless in a test binary but would leak
// into a real command line.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Assert fails t when got differs from the contents of the file at path.
// With -update it writes got to path instead (creating directories), so a
// deliberate change of output is one command and one reviewed diff.
func Assert(t testing.TB, got []byte, path string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("golden: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden: %v (run the test with -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	t.Errorf("output differs from golden file %s (run the test with -update to accept it)\n%s",
		path, Diff(want, got))
}

// Diff describes the first line where want and got differ, showing both
// versions quoted so that invisible differences (trailing spaces, \r, ANSI
// escapes) are visible.
func Diff(want, got []byte) string {
	wl, gl := splitLines(want), splitLines(got)
	n := max(len(wl), len(gl))
	for i := range n {
		w, g := lineAt(wl, i), lineAt(gl, i)
		if w == g {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "first difference at line %d (want %d lines, got %d):\n", i+1, len(wl), len(gl))
		if i > 0 {
			fmt.Fprintf(&b, "  both: %s\n", quote(wl[i-1]))
		}
		fmt.Fprintf(&b, "  want: %s\n  got:  %s", quote(w), quote(g))
		return b.String()
	}
	return "no difference"
}

// splitLines keeps line endings, so a missing final newline is a difference
// on the last line rather than an extra empty line.
func splitLines(b []byte) []string {
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// lineAt returns a sentinel past the end so that a missing line never equals
// an empty one.
func lineAt(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "\x00<end of file>"
}

func quote(s string) string {
	if s == "\x00<end of file>" {
		return "<end of file>"
	}
	return fmt.Sprintf("%q", s)
}
