package golden

import (
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	tests := []struct {
		want, got string
		has       []string
	}{
		{"a\nb\nc\n", "a\nB\nc\n", []string{"line 2", `want: "b\n"`, `got:  "B\n"`, `both: "a\n"`}},
		{"a\n", "a\nb\n", []string{"line 2", "want 1 lines, got 2", "<end of file>", `got:  "b\n"`}},
		{"a\n", "a", []string{"line 1", `want: "a\n"`, `got:  "a"`}},
		{"x \n", "x\n", []string{`want: "x \n"`}},
	}
	for _, tc := range tests {
		d := Diff([]byte(tc.want), []byte(tc.got))
		for _, h := range tc.has {
			if !strings.Contains(d, h) {
				t.Errorf("Diff(%q, %q) = %q, missing %q", tc.want, tc.got, d, h)
			}
		}
	}
}
