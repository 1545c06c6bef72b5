package auditlog

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"time"
)

// FollowOptions tune Follow.
type FollowOptions struct {
	// Poll is how often the file is checked for growth and rotation;
	// 0 means 250ms. Polling, not inotify, so it works the same on every
	// file system (including the network and overlay ones logs live on).
	Poll time.Duration
	// MaxLineSize as in Options.
	MaxLineSize int
	// FromEnd starts at the current end of the file instead of its start.
	FromEnd bool
}

// Follow reads the JSON lines of path as `tail -F` does, until ctx is done:
// what is there, then what is appended. When the file is replaced (the
// log backend's rotation renames it and creates a new one) the old file is
// read to its end before the new one is read from its start; when it is
// truncated, reading starts over. Line numbers restart with each new file.
// A partial last line is held until its newline arrives. It returns nil
// when ctx is cancelled.
func Follow(ctx context.Context, path string, opts FollowOptions, emit Emit, fail Fail) error {
	if opts.Poll <= 0 {
		opts.Poll = 250 * time.Millisecond
	}
	if opts.MaxLineSize <= 0 {
		opts.MaxLineSize = DefaultMaxLineSize
	}
	t := &tail{path: path, opts: opts, emit: emit, fail: fail, buf: make([]byte, 0, 64<<10)}
	defer t.close()
	fromEnd := opts.FromEnd
	for {
		if t.f == nil {
			if err := t.open(fromEnd); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			fromEnd = false // a file that appears later is read whole
		}
		if t.f != nil {
			if err := t.drain(); err != nil {
				return err
			}
			if err := t.checkRotation(); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(opts.Poll):
		}
	}
}

type tail struct {
	path    string
	opts    FollowOptions
	emit    Emit
	fail    Fail
	f       *os.File
	info    os.FileInfo
	off     int64
	line    int    // lines completed in the current file
	pending []byte // a partial line
	over    bool   // pending is a line over the limit, being skipped
	buf     []byte
}

func (t *tail) open(fromEnd bool) error {
	f, err := os.Open(t.path)
	if err != nil {
		return err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	t.f, t.info, t.off, t.line, t.pending, t.over = f, info, 0, 0, t.pending[:0], false
	if fromEnd {
		t.off = info.Size()
		// Line numbers stay relative to where reading began.
		if _, err := f.Seek(t.off, io.SeekStart); err != nil {
			return err
		}
	}
	return nil
}

func (t *tail) close() {
	if t.f != nil {
		t.f.Close()
		t.f = nil
	}
}

// drain reads everything currently in the open file.
func (t *tail) drain() error {
	for {
		n, err := t.f.Read(t.buf[:cap(t.buf)])
		if n > 0 {
			t.off += int64(n)
			if err := t.consume(t.buf[:n]); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) || (err == nil && n == 0) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// consume splits p into lines, keeping a trailing partial line.
func (t *tail) consume(p []byte) error {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if !t.over {
			if len(t.pending)+len(chunk) > t.opts.MaxLineSize {
				t.over, t.pending = true, t.pending[:0]
			} else {
				t.pending = append(t.pending, chunk...)
			}
		}
		if i < 0 {
			return nil
		}
		p = p[i+1:]
		t.line++
		if err := t.complete(); err != nil {
			return err
		}
	}
	return nil
}

func (t *tail) complete() error {
	defer func() { t.pending, t.over = t.pending[:0], false }()
	if t.over {
		t.fail(LineError{Line: t.line, Err: tooLong{t.opts.MaxLineSize}})
		return nil
	}
	line := bytes.TrimSpace(t.pending)
	if len(line) == 0 {
		return nil
	}
	ev, err := decodeEvent(line)
	if err != nil {
		t.fail(LineError{Line: t.line, Err: err})
		return nil
	}
	return t.emit(Record{Event: ev, Line: t.line})
}

// checkRotation looks at what path names now. Another file (rotated) or
// none (removed): finish the old one, then switch. Shorter than what was
// read (truncated in place, as copytruncate does): start over.
func (t *tail) checkRotation() error {
	info, err := os.Stat(t.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil // keep the old file until a new one appears
	case err != nil:
		return err
	case !os.SameFile(info, t.info):
		if err := t.drain(); err != nil { // what was written before the rename
			return err
		}
		t.close()
		return nil // the next round opens the new file
	case info.Size() < t.off:
		if _, err := t.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		t.off, t.line, t.pending, t.over = 0, 0, t.pending[:0], false
	}
	return nil
}
