// Package auditlog reads Kubernetes audit events (audit.k8s.io/v1, the
// upstream types of k8s.io/apiserver) from the log backend's JSON lines,
// from the webhook backend's EventList documents, from gzipped rotated logs,
// from a file that is still being written (Follow) and from HTTP (Handler).
//
// A malformed line never stops reading: it becomes a LineError with its
// line number, and the next line is read. Events are delivered in input
// order, whatever the number of decoding workers.
package auditlog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"unicode/utf8"

	jsoniter "github.com/json-iterator/go"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	sigsjson "sigs.k8s.io/json"
)

// Record is one decoded event and the line it starts on (1-based).
type Record struct {
	Event *auditv1.Event
	Line  int
}

// LineError is input that is not an audit event: a syntax error, an
// object of another kind, an over-long line.
type LineError struct {
	Line int
	Err  error
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Options tune reading.
type Options struct {
	// Workers decode JSON lines in parallel; 0 means GOMAXPROCS.
	Workers int
	// MaxLineSize bounds one line (and a whole EventList document);
	// 0 means DefaultMaxLineSize.
	MaxLineSize int
}

// DefaultMaxLineSize fits an event at RequestResponse level carrying a
// large object (the API server caps request bodies at 3 MiB, and the
// response object is logged too) with room to spare.
const DefaultMaxLineSize = 16 << 20

// Emit receives each event in input order; an error from it stops
// reading and is returned by Read.
type Emit func(Record) error

// Fail receives each line that could not be decoded; reading goes on.
type Fail func(LineError)

// fastJSON decodes case-sensitively, as the API server's own serializer does,
// and is about twice as fast as encoding/json on audit events (see
// BenchmarkDecode); TestDecoderMatchesStdlib keeps the two in agreement.
var fastJSON = jsoniter.Config{CaseSensitive: true, ValidateJsonRawMessage: true}.Froze()

// Read reads every event of r: gzip is recognised by its magic bytes,
// then JSON lines (one Event per line, the log backend) or JSON documents
// (EventList or Event, possibly spanning lines: the webhook backend's
// batches saved to a file) are told apart by the first line.
func Read(ctx context.Context, r io.Reader, opts Options, emit Emit, fail Fail) error {
	if opts.MaxLineSize <= 0 {
		opts.MaxLineSize = DefaultMaxLineSize
	}
	br := bufio.NewReaderSize(r, 256<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 256<<10)
	}
	lines := &lineReader{r: br, max: opts.MaxLineSize}
	// The first non-blank line decides the layout.
	var first []byte
	var firstErr error
	blank := 0
	for {
		first, firstErr = lines.next()
		if firstErr != nil || len(bytes.TrimSpace(first)) > 0 {
			break
		}
		blank++
	}
	if firstErr != nil && !errors.Is(firstErr, io.EOF) && !errors.As(firstErr, new(tooLong)) {
		return firstErr
	}
	if (firstErr == nil || errors.Is(firstErr, io.EOF)) && isDocumentStart(first) {
		// A document spans lines: read it whole (bounded) and decode
		// values one after another.
		rest, err := io.ReadAll(io.LimitReader(br, int64(opts.MaxLineSize)+1))
		if err != nil {
			return err
		}
		doc := append(bytes.Repeat([]byte("\n"), blank), first...)
		if firstErr == nil { // the first line ended with a newline
			doc = append(doc, '\n')
		}
		doc = append(doc, rest...)
		if len(doc) > opts.MaxLineSize {
			fail(LineError{Line: 1, Err: fmt.Errorf("document larger than %d bytes", opts.MaxLineSize)})
			return nil
		}
		return DecodeDocuments(doc, emit, fail)
	}
	return readLines(ctx, lines, blank+1, first, firstErr, opts, emit, fail)
}

// isDocumentStart reports whether the first line opens a JSON value that
// is not complete on that line, or is an EventList: then the input is one
// or more documents rather than JSON lines.
func isDocumentStart(line []byte) bool {
	t := bytes.TrimSpace(line)
	if len(t) == 0 || t[0] != '{' {
		return false // not JSON at all: let JSON lines report it per line
	}
	if !jsonValid(t) {
		return true
	}
	var head struct {
		Kind string `json:"kind"`
	}
	_ = fastJSON.Unmarshal(t, &head)
	return head.Kind == "EventList"
}

func jsonValid(b []byte) bool { return fastJSON.Valid(b) }

// decodeEvent decodes one event and checks that it is one: a JSON object of
// kind Event (or no kind) in audit.k8s.io/v1, with a stage.
func decodeEvent(b []byte) (*auditv1.Event, error) {
	ev := new(auditv1.Event)
	if !utf8.Valid(b) {
		// jsoniter keeps invalid bytes where the API server's decoder
		// substitutes U+FFFD; such lines are rare, so they take the slow,
		// exact path (FuzzDecodeParity).
		if err := sigsjson.UnmarshalCaseSensitivePreserveInts(b, ev); err != nil {
			return nil, fmt.Errorf("invalid JSON: %v", err)
		}
	} else if err := fastJSON.Unmarshal(b, ev); err != nil {
		return nil, syntaxError(b, err)
	}
	if err := checkEvent(ev); err != nil {
		return nil, err
	}
	return ev, nil
}

func checkEvent(ev *auditv1.Event) error {
	switch {
	case ev.Kind != "" && ev.Kind != "Event":
		return fmt.Errorf("kind %q is not Event", ev.Kind)
	case ev.APIVersion != "" && ev.APIVersion != auditv1.SchemeGroupVersion.String():
		return fmt.Errorf("apiVersion %q is not %s", ev.APIVersion, auditv1.SchemeGroupVersion)
	case ev.Stage == "":
		return errors.New("not an audit event: no stage")
	}
	return nil
}

// syntaxError words a decoding error as encoding/json does ("invalid
// character 'x' looking for beginning of value"), which people can read;
// jsoniter's own messages name its internals. Errors are rare, so decoding
// twice costs nothing that matters.
func syntaxError(b []byte, err error) error {
	if stdErr := stdjson.Unmarshal(b, new(auditv1.Event)); stdErr != nil {
		err = stdErr
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

// batchLines is the number of lines a worker decodes at a time: large
// enough to amortise channel traffic, small enough to bound memory.
const batchLines = 512

type batch struct {
	first int // line number of the batch's first line
	// buf holds the batch's lines back to back and ends[i] is where line
	// i ends: one allocation per batch instead of one per line. An
	// over-long line is empty here and has its error in errs already.
	buf  []byte
	ends []int
	recs []Record
	errs []LineError
	done chan struct{}
}

// readLines decodes JSON lines with a pool of workers and delivers records
// in input order: each batch is queued for the consumer before it is
// handed to a worker, and the consumer waits for it.
func readLines(ctx context.Context, lines *lineReader, start int, first []byte, firstErr error, opts Options, emit Emit, fail Fail) error {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *batch, workers)
	ordered := make(chan *batch, 2*workers)
	for range workers {
		go func() {
			for b := range work {
				b.decode()
				close(b.done)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(ordered)
		defer close(work)
		readErr <- produce(ctx, lines, start, first, firstErr, work, ordered)
	}()
	var emitErr error
	for b := range ordered {
		<-b.done
		if emitErr != nil {
			continue // drain so the producer and workers finish
		}
		ri, ei := 0, 0
		// Merge records and errors by line so callbacks see input order.
		for ri < len(b.recs) || ei < len(b.errs) {
			if ei < len(b.errs) && (ri >= len(b.recs) || b.errs[ei].Line < b.recs[ri].Line) {
				fail(b.errs[ei])
				ei++
				continue
			}
			if err := emit(b.recs[ri]); err != nil {
				emitErr = err
				cancel()
				break
			}
			ri++
		}
	}
	if emitErr != nil {
		return emitErr
	}
	if err := <-readErr; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// produce cuts the input into batches of lines.
func produce(ctx context.Context, lines *lineReader, n int, line []byte, err error, work, ordered chan<- *batch) error {
	b := newBatch(n, 0)
	send := func() bool {
		select {
		case ordered <- b:
		case <-ctx.Done():
			return false
		}
		select {
		case work <- b:
		case <-ctx.Done():
			close(b.done)
			return false
		}
		return true
	}
	for {
		var tl tooLong
		switch {
		case errors.As(err, &tl):
			b.errs = append(b.errs, LineError{Line: n, Err: tl})
			b.ends = append(b.ends, len(b.buf))
		case err == nil || (errors.Is(err, io.EOF) && len(line) > 0):
			b.buf = append(b.buf, line...)
			b.ends = append(b.ends, len(b.buf))
		case !errors.Is(err, io.EOF):
			return err
		}
		if errors.Is(err, io.EOF) || len(b.ends) == batchLines {
			size := cap(b.buf) // read before a worker owns b
			if len(b.ends) > 0 || len(b.errs) > 0 {
				if !send() {
					return ctx.Err()
				}
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			b = newBatch(n+1, size)
		}
		n++
		line, err = lines.next()
	}
}

// newBatch sizes the buffer like the previous batch's, so it rarely grows.
func newBatch(first, size int) *batch {
	return &batch{first: first, done: make(chan struct{}), buf: make([]byte, 0, max(size, 64<<10)),
		ends: make([]int, 0, batchLines)}
}

func (b *batch) decode() {
	b.recs = make([]Record, 0, len(b.ends))
	errs := b.errs // over-long lines, found while reading, in line order
	b.errs = nil
	start := 0
	for i, end := range b.ends {
		line := b.first + i
		for len(errs) > 0 && errs[0].Line == line {
			b.errs = append(b.errs, errs[0])
			errs = errs[1:]
		}
		t := bytes.TrimSpace(b.buf[start:end])
		start = end
		if len(t) == 0 {
			continue
		}
		ev, err := decodeEvent(t)
		if err != nil {
			b.errs = append(b.errs, LineError{Line: line, Err: err})
			continue
		}
		b.recs = append(b.recs, Record{Event: ev, Line: line})
	}
	b.buf, b.ends = nil, nil
}

// tooLong is a line over the size limit; it is skipped whole.
type tooLong struct{ max int }

func (t tooLong) Error() string { return fmt.Sprintf("line longer than %d bytes", t.max) }

// lineReader returns lines without their newline. A line over max bytes
// is consumed to its end and reported as tooLong, so the next line is read
// normally.
type lineReader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

func (l *lineReader) next() ([]byte, error) {
	l.buf = l.buf[:0]
	over := false
	for {
		chunk, err := l.r.ReadSlice('\n')
		if !over {
			if len(l.buf)+len(chunk) > l.max+1 {
				over, l.buf = true, l.buf[:0]
			} else {
				l.buf = append(l.buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if over && (err == nil || errors.Is(err, io.EOF)) {
			return nil, tooLong{l.max}
		}
		return bytes.TrimSuffix(l.buf, []byte("\n")), err
	}
}
