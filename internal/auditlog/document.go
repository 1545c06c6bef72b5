package auditlog

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// DecodeDocuments decodes one or more JSON documents laid out over any
// number of lines: EventList objects (what the webhook backend posts) or
// single Event objects. Each event's line is the line its object starts
// on. A broken item is one error and the other items are still decoded; a
// syntax error ends the input, since nothing after it can be trusted to
// start a value.
func DecodeDocuments(doc []byte, emit Emit, fail Fail) error {
	dec := stdjson.NewDecoder(bytes.NewReader(doc))
	lc := lineCounter{doc: doc, line: 1}
	for {
		lc.skipSpace(dec.InputOffset())
		start := lc.line
		var raw stdjson.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			off := dec.InputOffset()
			var se *stdjson.SyntaxError
			if errors.As(err, &se) {
				off = se.Offset // where the syntax broke, not where the value began
			}
			fail(LineError{Line: lc.lineAt(off), Err: fmt.Errorf("invalid JSON: %v", err)})
			return nil
		}
		var head struct {
			Kind string `json:"kind"`
		}
		if err := fastJSON.Unmarshal(raw, &head); err != nil {
			fail(LineError{Line: start, Err: errors.New("not a JSON object")})
			continue
		}
		if head.Kind != "EventList" {
			ev, err := decodeEvent(raw)
			if err != nil {
				fail(LineError{Line: start, Err: err})
				continue
			}
			if err := emit(Record{Event: ev, Line: start}); err != nil {
				return err
			}
			continue
		}
		base := lc.off // skipSpace left it at the value's first byte
		if err := decodeList(raw, base, &lc, emit, fail); err != nil {
			return err
		}
	}
}

// decodeList walks an EventList's items one at a time, so a bad item costs
// only itself, and so each item's line is known. raw is already known to be
// valid JSON (the caller decoded it as a RawMessage), so token errors cannot
// happen and simply end the list.
func decodeList(raw []byte, base int64, lc *lineCounter, emit Emit, fail Fail) error {
	dec := stdjson.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return nil
	}
	for dec.More() {
		keyTok, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := keyTok.(string)
		if key == "apiVersion" {
			var v string
			if err := dec.Decode(&v); err == nil && v != auditv1.SchemeGroupVersion.String() {
				fail(LineError{Line: lc.lineAt(base + dec.InputOffset()), Err: fmt.Errorf("apiVersion %q is not %s", v, auditv1.SchemeGroupVersion)})
				return nil
			}
			continue
		}
		if key != "items" {
			var skip stdjson.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != stdjson.Delim('[') {
			fail(LineError{Line: lc.lineAt(base + dec.InputOffset()), Err: errors.New("EventList items is not an array")})
			return nil
		}
		for dec.More() {
			var item stdjson.RawMessage
			if err := dec.Decode(&item); err != nil {
				return nil
			}
			end := base + dec.InputOffset()
			line := lc.lineAt(end - int64(len(item)))
			ev, err := decodeEvent(item)
			if err != nil {
				fail(LineError{Line: line, Err: err})
				continue
			}
			if err := emit(Record{Event: ev, Line: line}); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // ]
			return nil
		}
	}
	return nil
}

// lineCounter maps byte offsets of doc to 1-based lines, moving forward
// only, so the whole document is scanned once.
type lineCounter struct {
	doc  []byte
	off  int64
	line int
}

func (c *lineCounter) lineAt(off int64) int {
	off = min(off, int64(len(c.doc)))
	if off < c.off {
		return c.line - bytes.Count(c.doc[off:c.off], []byte("\n"))
	}
	c.line += bytes.Count(c.doc[c.off:off], []byte("\n"))
	c.off = off
	return c.line
}

// skipSpace moves past the whitespace before the next value, so the value's
// line is where it starts, not where the previous one ended.
func (c *lineCounter) skipSpace(off int64) {
	for off < int64(len(c.doc)) {
		switch c.doc[off] {
		case ' ', '\t', '\r', '\n':
			off++
			continue
		}
		break
	}
	c.lineAt(off)
}
