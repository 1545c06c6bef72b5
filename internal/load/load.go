// Package load turns command-line arguments into named inputs and reads
// them with bounded memory. One unreadable input never stops the others.
//
// A folder holding Chart.yaml, or a packaged chart (.tgz), is rendered with
// Helm; a folder holding a kustomization file is built with Kustomize. Each
// becomes one in-memory input per source file (the template, or the file a
// resource came from), so findings name that file, at lines of its rendered
// output. Their subfolders are not walked again as plain YAML; a folder
// tree holding several charts and overlays renders each (a base that is
// itself a kustomization is built on its own too). Options.NoRender reads
// them all as plain files instead.
package load

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/load/helm"
)

// DefaultMaxFileSize bounds one input (file or stdin). Manifests are rarely
// above a few MiB; the limit keeps a stray 200 MB file from exhausting memory.
const DefaultMaxFileSize = 64 << 20

// Input is one file or stdin to scan.
type Input struct {
	// Name is the path as given (joined with the walked folder), or "-".
	// For a rendered chart or overlay, it names the source file (see
	// helm.Rendered and kustomize.Rendered).
	Name string
	// data holds stdin, read once so it can be read again, or the rendered
	// output of a chart or overlay.
	data []byte
	mem  bool
}

// HelmOptions are the `helm template` flags (--values, --set, ...).
type HelmOptions = helm.Options

// Options shape expansion.
type Options struct {
	// MaxFileSize bounds stdin and each file or rendered output.
	MaxFileSize int64
	Helm        HelmOptions
	// NoRender reads charts and overlays as plain YAML files.
	NoRender bool
}

// Extensions of files picked up when walking a folder. Files named
// explicitly on the command line are read whatever their extension.
var Extensions = []string{".yaml", ".yml", ".json"}

// Expand resolves args into inputs: folders are walked recursively in
// lexical order, "-" is stdin (read at most once, up to opts.MaxFileSize),
// charts and overlays are rendered (unless opts.NoRender).
func Expand(args []string, stdin io.Reader, opts Options) ([]Input, []finding.Error) {
	var (
		ins  []Input
		errs []finding.Error
	)
	maxSize := opts.MaxFileSize
	if maxSize <= 0 {
		maxSize = DefaultMaxFileSize
	}
	r := renderer{opts: opts}
	stdinRead := false
	for _, a := range args {
		if a == "-" {
			if stdinRead {
				continue
			}
			stdinRead = true
			data, err := readLimited(stdin, maxSize, 0)
			if err != nil {
				errs = append(errs, finding.Error{File: "-", Message: err.Error()})
				continue
			}
			ins = append(ins, Input{Name: "-", data: data, mem: true})
			continue
		}
		info, err := os.Stat(a)
		if err != nil {
			errs = append(errs, finding.Error{File: a, Message: describe(a, err)})
			continue
		}
		if !info.IsDir() {
			if !opts.NoRender && helm.IsArchive(a) {
				r.chart(a, true)
				continue
			}
			ins = append(ins, Input{Name: a})
			continue
		}
		root := a
		if li, err := os.Lstat(a); err == nil && li.Mode()&fs.ModeSymlink != 0 {
			// WalkDir does not follow a link even as its root: the slash
			// makes it walk the folder the link names.
			root = a + string(filepath.Separator)
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, finding.Error{File: p, Message: describe(p, err)})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if p != root && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir // .git and friends
				}
				if !opts.NoRender && r.folder(p, p == root) {
					return fs.SkipDir
				}
				return nil
			}
			if !opts.NoRender && helm.IsArchive(p) && d.Type().IsRegular() {
				r.chart(p, false)
				return nil
			}
			if !slices.Contains(Extensions, strings.ToLower(filepath.Ext(p))) {
				return nil
			}
			mode := d.Type()
			if mode&fs.ModeSymlink != 0 {
				info, err := os.Stat(p)
				if err != nil {
					errs = append(errs, finding.Error{File: p, Message: describe(p, err)})
					return nil
				}
				mode = info.Mode().Type()
			}
			if !mode.IsRegular() {
				// Reading a named pipe would block the scan until a writer
				// comes; a device may never end. Name them to read them.
				errs = append(errs, finding.Error{File: p, Message: "not a regular file (" + fileKind(mode) + "), skipped in a folder; name it to read it"})
				return nil
			}
			ins = append(ins, Input{Name: p})
			return nil
		})
		if err != nil {
			errs = append(errs, finding.Error{File: a, Message: err.Error()})
		}
	}
	return append(ins, r.ins...), append(errs, r.errs...)
}

// Read returns the bytes of an input, refusing inputs over maxSize.
func (in Input) Read(maxSize int64) ([]byte, error) {
	if in.mem {
		if int64(len(in.data)) > maxSize {
			return nil, fmt.Errorf("rendered output is %d bytes, over the %d-byte limit (--max-file-size)", len(in.data), maxSize)
		}
		return in.data, nil
	}
	f, err := os.Open(in.Name)
	if err != nil {
		return nil, errors.New(describe(in.Name, err))
	}
	defer f.Close()
	info, err := f.Stat()
	if err == nil && info.Size() > maxSize {
		return nil, fmt.Errorf("file is %d bytes, over the %d-byte limit (--max-file-size)", info.Size(), maxSize)
	}
	var size int64
	if err == nil && info.Mode().IsRegular() {
		size = info.Size()
	}
	return readLimited(f, maxSize, size)
}

// readLimited reads r, at most maxSize bytes, into a buffer of size bytes
// to start with (a regular file's size: io.ReadAll's doubling allocated
// more than twice the bytes a scan reads, a tenth of all its allocation).
func readLimited(r io.Reader, maxSize, size int64) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 0, min(size, maxSize)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(r, maxSize+1)); err != nil {
		return nil, fmt.Errorf("read: %v", err)
	}
	if int64(buf.Len()) > maxSize {
		return nil, fmt.Errorf("input is over the %d-byte limit (--max-file-size)", maxSize)
	}
	return buf.Bytes(), nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	case m.IsDir():
		return "directory"
	}
	return "special file"
}

func describe(p string, err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, lerr := os.Lstat(p); lerr == nil {
			return "dangling symbolic link (its target does not exist)"
		}
		return "no such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return err.Error()
}
