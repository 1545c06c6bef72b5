package auditlog

import (
	"bytes"
	"context"
	"reflect"
	"testing"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	sigsjson "sigs.k8s.io/json"
)

// FuzzRead: any input is read without panic or error (but a broken gzip
// stream), and every callback names a line of the input, in increasing
// order.
func FuzzRead(f *testing.F) {
	f.Add([]byte(line("a") + "\n" + line("b") + "\n"))
	f.Add([]byte("{\"kind\":\"EventList\",\"items\":[\n" + line("a") + "]}"))
	f.Add([]byte("\n\n{oops\n" + line("c")))
	f.Fuzz(func(t *testing.T, in []byte) {
		lines := bytes.Count(in, []byte("\n")) + 1
		last := 0
		check := func(l int) {
			if l < 1 || l > lines || l < last {
				t.Fatalf("line %d out of order or range (last %d, %d lines)", l, last, lines)
			}
			last = l
		}
		err := Read(context.Background(), bytes.NewReader(in), Options{Workers: 2, MaxLineSize: 1 << 16},
			func(r Record) error { check(r.Line); return nil },
			func(e LineError) { check(e.Line) })
		// A broken gzip stream is an error of the whole input; nothing else is.
		if err != nil && !bytes.HasPrefix(in, []byte{0x1f, 0x8b}) {
			t.Fatal(err)
		}
	})
}

// FuzzDecodeParity: whenever the API server's own decoding (sigs.k8s.io/json)
// reads an event, the fast decoder reads the same event.
func FuzzDecodeParity(f *testing.F) {
	f.Add([]byte(line("a")))
	f.Add([]byte(`{"stage":"ResponseComplete","user":{"username":"x","extra":{"a":["b"]}},"annotations":{"k":"v"}}`))
	f.Add([]byte(`{"stage":"Panic","requestObject":{"a":[1,2,{"b":null}]},"responseStatus":{"code":403}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var want auditv1.Event
		if sigsjson.UnmarshalCaseSensitivePreserveInts(in, &want) != nil || checkEvent(&want) != nil {
			return
		}
		got, err := decodeEvent(in)
		if err != nil {
			t.Fatalf("API server decoding reads it, the fast decoder fails: %v", err)
		}
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("decoders differ:\n%#v\n%#v", *got, want)
		}
	})
}
