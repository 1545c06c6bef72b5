//go:build unix

package load

import (
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"
)

func TestExpandSymlinksAndSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"a.yaml":        "a",
		"target/t.yaml": "t",
	})
	j := func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }
	for link, target := range map[string]string{
		"link.yaml":     "a.yaml",
		"dangling.yaml": "missing.yaml",
		"linkdir":       "target", // not followed by the walk
		"loop.yaml":     "loop.yaml",
		"dirlink.yaml":  "target",
	} {
		if err := os.Symlink(target, j(link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(j("pipe.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}

	done := make(chan struct{})
	var (
		ins  []Input
		errs = []wantErr{
			{j("dangling.yaml"), "dangling symbolic link (its target does not exist)"},
			{j("dirlink.yaml"), "not a regular file (directory), skipped in a folder"},
			{j("loop.yaml"), "too many levels of symbolic links"},
			{j("pipe.yaml"), "not a regular file (named pipe), skipped in a folder; name it to read it"},
		}
	)
	go func() {
		defer close(done)
		var got []Input
		got, gotErrs := Expand([]string{dir}, nil, Options{MaxFileSize: DefaultMaxFileSize})
		checkErrs(t, gotErrs, errs)
		ins = got
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Expand blocked")
	}
	if got, want := names(ins), []string{j("a.yaml"), j("link.yaml"), j("target/t.yaml")}; !reflect.DeepEqual(got, want) {
		t.Errorf("inputs:\n got %q\nwant %q", got, want)
	}
	if data, err := ins[1].Read(DefaultMaxFileSize); err != nil || string(data) != "a" {
		t.Errorf("Read through a symbolic link: %q, %v", data, err)
	}

	// Named explicitly: a dangling link is an error; a folder link is walked;
	// a named pipe is read (as with `palisade scan <(helm template .)`).
	ins, gotErrs := Expand([]string{j("dangling.yaml"), j("linkdir"), j("pipe.yaml")}, nil, Options{MaxFileSize: DefaultMaxFileSize})
	checkErrs(t, gotErrs, []wantErr{{j("dangling.yaml"), "dangling symbolic link"}})
	if got, want := names(ins), []string{j("linkdir/t.yaml"), j("pipe.yaml")}; !reflect.DeepEqual(got, want) {
		t.Fatalf("inputs:\n got %q\nwant %q", got, want)
	}
	go func() {
		w, err := os.OpenFile(j("pipe.yaml"), os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		_, _ = w.Write([]byte("kind: A\n"))
	}()
	if data, err := ins[1].Read(DefaultMaxFileSize); err != nil || string(data) != "kind: A\n" {
		t.Errorf("Read of a named pipe: %q, %v", data, err)
	}
}

func TestExpandUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		// Permission bits do not stop root; TestExpandSymlinksAndSpecialFiles
		// covers a folder entry that cannot be read (a named pipe).
		t.Skip("running as root, which can read files whatever their mode")
	}
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"a.yaml":          "a",
		"secret.yaml":     "s",
		"locked/x.yaml":   "x",
		"unlocked/y.yaml": "y",
	})
	j := func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }
	for _, p := range []string{"secret.yaml", "locked"} {
		if err := os.Chmod(j(p), 0); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(j(p), 0o755) })
	}
	ins, errs := Expand([]string{dir}, nil, Options{MaxFileSize: DefaultMaxFileSize})
	checkErrs(t, errs, []wantErr{{j("locked"), "permission denied"}})
	if got, want := names(ins), []string{j("a.yaml"), j("secret.yaml"), j("unlocked/y.yaml")}; !reflect.DeepEqual(got, want) {
		t.Fatalf("inputs:\n got %q\nwant %q", got, want)
	}
	if _, err := ins[1].Read(DefaultMaxFileSize); err == nil || err.Error() != "permission denied" {
		t.Errorf("Read of a mode 000 file: %v", err)
	}
}
