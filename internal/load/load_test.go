package load

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/internal/finding"
)

// write creates the files of tree under dir; a name ending in "/" is an
// empty folder.
func write(t *testing.T, dir string, tree map[string]string) {
	t.Helper()
	for name, content := range tree {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func names(ins []Input) []string {
	var out []string
	for _, in := range ins {
		out = append(out, in.Name)
	}
	return out
}

type wantErr struct{ file, msg string }

func checkErrs(t *testing.T, errs []finding.Error, want []wantErr) {
	t.Helper()
	if len(errs) != len(want) {
		t.Fatalf("errors %v, want %v", errs, want)
	}
	for i, e := range errs {
		if e.File != want[i].file || e.Line != 0 || !strings.Contains(e.Message, want[i].msg) {
			t.Errorf("error %d = %+v, want %s: ...%s...", i, e, want[i].file, want[i].msg)
		}
	}
}

func TestExpandWalk(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"b.yaml":                   "b",
		"a.yml":                    "a",
		"c.JSON":                   "c",
		"notes.txt":                "not picked up",
		"README.md":                "not picked up",
		"yaml":                     "no extension",
		".hidden.yaml":             "hidden files are read",
		".git/config.yaml":         "hidden folders are skipped",
		"sub/z.yaml":               "z",
		"sub/.cache/x.yaml":        "skipped",
		"sub/deeper/a.yaml":        "deep",
		"Chart/templates/t.yaml":   "t",
		"dir.yaml/inner.json":      "a folder named like a file is walked",
		"empty/":                   "",
		"sub/deeper/empty.yaml":    "",
		"sub/deeper/Upper.YML":     "U",
		"sub/deeper/archive.yaml~": "backup",
	})
	j := func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }
	ins, errs := Expand([]string{dir}, nil, Options{MaxFileSize: DefaultMaxFileSize})
	checkErrs(t, errs, nil)
	want := []string{
		j(".hidden.yaml"),
		j("Chart/templates/t.yaml"),
		j("a.yml"),
		j("b.yaml"),
		j("c.JSON"),
		j("dir.yaml/inner.json"),
		j("sub/deeper/Upper.YML"),
		j("sub/deeper/a.yaml"),
		j("sub/deeper/empty.yaml"),
		j("sub/z.yaml"),
	}
	if got := names(ins); !reflect.DeepEqual(got, want) {
		t.Errorf("inputs:\n got %q\nwant %q", got, want)
	}
	for _, in := range ins {
		data, err := in.Read(DefaultMaxFileSize)
		want, _ := os.ReadFile(in.Name)
		if err != nil || string(data) != string(want) {
			t.Errorf("Read(%s) = %q, %v", in.Name, data, err)
		}
	}

	// Named files are read whatever their extension; named folders are
	// walked even when hidden; arguments keep their order.
	hidden := j(".git")
	ins, errs = Expand([]string{j("notes.txt"), hidden, j("yaml"), j("sub/deeper")}, nil, Options{MaxFileSize: DefaultMaxFileSize})
	checkErrs(t, errs, nil)
	want = []string{j("notes.txt"), j(".git/config.yaml"), j("yaml"), j("sub/deeper/Upper.YML"), j("sub/deeper/a.yaml"), j("sub/deeper/empty.yaml")}
	if got := names(ins); !reflect.DeepEqual(got, want) {
		t.Errorf("inputs:\n got %q\nwant %q", got, want)
	}

	// A relative folder keeps the form it was given in.
	t.Chdir(dir)
	ins, _ = Expand([]string{"sub"}, nil, Options{MaxFileSize: DefaultMaxFileSize})
	want = []string{filepath.Join("sub", "deeper", "Upper.YML"), filepath.Join("sub", "deeper", "a.yaml"), filepath.Join("sub", "deeper", "empty.yaml"), filepath.Join("sub", "z.yaml")}
	if got := names(ins); !reflect.DeepEqual(got, want) {
		t.Errorf("relative inputs:\n got %q\nwant %q", got, want)
	}
	ins, _ = Expand([]string{"."}, nil, Options{MaxFileSize: DefaultMaxFileSize})
	if len(ins) != 10 || ins[0].Name != ".hidden.yaml" {
		t.Errorf(`Expand("."): %q`, names(ins))
	}
}

func TestExpandMissing(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.yaml")
	write(t, dir, map[string]string{"ok.yaml": "ok"})
	ins, errs := Expand([]string{missing, filepath.Join(dir, "ok.yaml"), filepath.Join(dir, "gone", "x.yaml")}, nil, Options{MaxFileSize: DefaultMaxFileSize})
	checkErrs(t, errs, []wantErr{
		{missing, "no such file or directory"},
		{filepath.Join(dir, "gone", "x.yaml"), "no such file or directory"},
	})
	if got := names(ins); !reflect.DeepEqual(got, []string{filepath.Join(dir, "ok.yaml")}) {
		t.Errorf("inputs %q", got)
	}
	// A file that disappears between Expand and Read.
	if err := os.Remove(filepath.Join(dir, "ok.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := ins[0].Read(DefaultMaxFileSize); err == nil || err.Error() != "no such file or directory" {
		t.Errorf("Read of a removed file: %v", err)
	}
}

func TestReadSizeLimit(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"big.yaml":   strings.Repeat("a", 2048),
		"exact.yaml": strings.Repeat("a", 1024),
	})
	ins, errs := Expand([]string{dir}, nil, Options{MaxFileSize: 1024})
	checkErrs(t, errs, nil)
	if len(ins) != 2 {
		t.Fatalf("inputs %q", names(ins))
	}
	if _, err := ins[0].Read(1024); err == nil || err.Error() != "file is 2048 bytes, over the 1024-byte limit (--max-file-size)" {
		t.Errorf("Read of 2 KiB with a 1 KiB limit: %v", err)
	}
	if data, err := ins[1].Read(1024); err != nil || len(data) != 1024 {
		t.Errorf("Read of exactly 1 KiB: %d bytes, %v", len(data), err)
	}

	// A sparse 200 MB file is refused from its size, without reading it.
	sparse := filepath.Join(dir, "sparse.yaml")
	if err := os.WriteFile(sparse, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(sparse, 200<<20); err != nil {
		t.Skipf("cannot make a sparse file: %v", err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := Input{Name: sparse}.Read(DefaultMaxFileSize)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "file is 209715200 bytes, over the 67108864-byte limit") {
		t.Errorf("Read of a 200 MB file: %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 || took > time.Second {
		t.Errorf("refusing a 200 MB file took %v and allocated %d bytes", took, alloc)
	}
}

// countingReader serves data once and counts the calls to Read.
type countingReader struct {
	r     io.Reader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p)
}

// endless never ends.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	e.n += int64(len(p))
	return len(p), nil
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestExpandStdin(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"f.yaml": "f"})
	f := filepath.Join(dir, "f.yaml")

	stdin := &countingReader{r: strings.NewReader("kind: A\n")}
	ins, errs := Expand([]string{"-", f, "-"}, stdin, Options{MaxFileSize: DefaultMaxFileSize})
	checkErrs(t, errs, nil)
	if got := names(ins); !reflect.DeepEqual(got, []string{"-", f}) {
		t.Fatalf("inputs %q", got)
	}
	reads := stdin.reads
	for i := 0; i < 2; i++ {
		if data, err := ins[0].Read(DefaultMaxFileSize); err != nil || string(data) != "kind: A\n" {
			t.Errorf("Read %d of stdin = %q, %v", i, data, err)
		}
	}
	if stdin.reads != reads {
		t.Errorf("Input.Read read stdin again (%d reads, then %d)", reads, stdin.reads)
	}
	if n, _ := stdin.r.Read(make([]byte, 1)); n != 0 {
		t.Errorf("stdin not read to its end")
	}

	// Over the limit, stdin is an error and is not read beyond it.
	e := &endless{}
	ins, errs = Expand([]string{"-", "-"}, e, Options{MaxFileSize: 1024})
	checkErrs(t, errs, []wantErr{{"-", "input is over the 1024-byte limit (--max-file-size)"}})
	if len(ins) != 0 || e.n > 64<<10 {
		t.Errorf("inputs %q after reading %d bytes of endless stdin", names(ins), e.n)
	}

	ins, errs = Expand([]string{"-", "-"}, failing{}, Options{MaxFileSize: 1024})
	checkErrs(t, errs, []wantErr{{"-", "read: broken pipe"}})
	if len(ins) != 0 {
		t.Errorf("inputs %q", names(ins))
	}

	// Empty stdin is an input with no data.
	ins, errs = Expand([]string{"-"}, strings.NewReader(""), Options{MaxFileSize: 1024})
	checkErrs(t, errs, nil)
	if data, err := ins[0].Read(1024); err != nil || len(data) != 0 {
		t.Errorf("empty stdin: %q, %v", data, err)
	}
}
