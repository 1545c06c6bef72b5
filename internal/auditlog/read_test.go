package auditlog

import (
	"bytes"
	"compress/gzip"
	"context"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	sigsjson "sigs.k8s.io/json"
)

// line returns one event as a JSON line.
func line(id string) string {
	return `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"` + id +
		`","stage":"ResponseComplete","requestURI":"/api/v1/pods","verb":"list","user":{"username":"alice"},` +
		`"requestReceivedTimestamp":"2026-11-26T10:00:00.000000Z","stageTimestamp":"2026-11-26T10:00:00.001000Z"}`
}

// collect reads in and returns "line:auditID" per event and "line: error"
// per failure, in callback order.
func collect(t *testing.T, in []byte, opts Options) []string {
	t.Helper()
	var got []string
	err := Read(context.Background(), bytes.NewReader(in), opts,
		func(r Record) error { got = append(got, fmt.Sprintf("%d:%s", r.Line, r.Event.AuditID)); return nil },
		func(e LineError) { got = append(got, e.Error()) })
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestReadFormats(t *testing.T) {
	gz := func(s string) []byte {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		_, _ = w.Write([]byte(s))
		_ = w.Close()
		return b.Bytes()
	}
	cases := []struct {
		name string
		in   []byte
		want []string
	}{
		{"JSON lines, malformed lines reported by line, reading goes on",
			[]byte(line("a") + "\n\n" + `{"kind":"Event","stage":` + "\n" + line("b") + "\nnot json\n" + `{"kind":"Pod","apiVersion":"v1"}` + "\n" +
				`{"apiVersion":"audit.k8s.io/v1beta1","kind":"Event","stage":"ResponseComplete"}` + "\n" + `{"verb":"get"}` + "\n" + line("c")),
			[]string{"1:a", "line 3: invalid JSON: unexpected end of JSON input", "4:b",
				"line 5: invalid JSON: invalid character 'o' in literal null (expecting 'u')",
				`line 6: kind "Pod" is not Event`, `line 7: apiVersion "audit.k8s.io/v1beta1" is not audit.k8s.io/v1`,
				"line 8: not an audit event: no stage", "9:c"}},
		{"blank lines first", []byte("\n  \n" + line("a") + "\n"), []string{"3:a"}},
		{"blank lines before a document", []byte("\n\n{\"kind\":\"EventList\",\n\"items\":[" + line("a") + "]}"), []string{"4:a"}},
		{"CRLF line ends", []byte(line("a") + "\r\n" + line("b") + "\r\n"), []string{"1:a", "2:b"}},
		{"gzipped rotated file", gz(line("a") + "\n" + line("b") + "\n"), []string{"1:a", "2:b"}},
		{"EventList over many lines, item lines, a bad item",
			[]byte("{\n  \"kind\": \"EventList\",\n  \"apiVersion\": \"audit.k8s.io/v1\",\n  \"items\": [\n    " + line("a") +
				",\n    {\"kind\": \"Event\"},\n    " + line("b") + "\n  ]\n}\n"),
			[]string{"5:a", "line 6: not an audit event: no stage", "7:b"}},
		{"EventList on one line, then another document",
			[]byte(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[` + line("a") + "," + line("b") + "]}\n" +
				`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[` + line("c") + "]}\n"),
			[]string{"1:a", "1:b", "2:c"}},
		{"pretty-printed single events",
			[]byte("{\n \"kind\": \"Event\", \"stage\": \"Panic\", \"auditID\": \"p\"\n}\n{\"auditID\": \"q\",\n\"stage\":\"ResponseComplete\"}"),
			[]string{"1:p", "4:q"}},
		{"EventList of another version",
			[]byte(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1beta1","items":[` + line("a") + "]}"),
			[]string{`line 1: apiVersion "audit.k8s.io/v1beta1" is not audit.k8s.io/v1`}},
		{"broken document", []byte("{\n\"kind\": \"EventList\",\n\"items\": [\n" + line("a") + ",\n{\"stage\": }\n]}"),
			[]string{"line 5: invalid JSON: invalid character '}' looking for beginning of value"}},
		{"empty input", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := collect(t, c.in, Options{})
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

func TestReadLongLines(t *testing.T) {
	long := `{"stage":"ResponseComplete","auditID":"` + strings.Repeat("x", 600) + `"}`
	in := line("a") + "\n" + long + "\n" + line("b") + "\n" + long
	got := collect(t, []byte(in), Options{MaxLineSize: 400})
	want := []string{"1:a", "line 2: line longer than 400 bytes", "3:b", "line 4: line longer than 400 bytes"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// A first line over the limit does not make the input a document.
	got = collect(t, []byte(long+"\n"+line("b")+"\n"), Options{MaxLineSize: 400})
	want = []string{"line 1: line longer than 400 bytes", "2:b"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestReadOrderManyWorkers: events and errors come back in input order
// whatever the number of workers and however batches interleave.
func TestReadOrderManyWorkers(t *testing.T) {
	var b strings.Builder
	var want []string
	for i := 1; i <= 3*batchLines+17; i++ {
		if i%97 == 0 {
			b.WriteString("{oops\n")
			want = append(want, fmt.Sprintf("line %d: invalid JSON: invalid character 'o' looking for beginning of object key string", i))
			continue
		}
		b.WriteString(line(fmt.Sprint(i)) + "\n")
		want = append(want, fmt.Sprintf("%d:%d", i, i))
	}
	for _, w := range []int{1, 2, 7} {
		if got := collect(t, []byte(b.String()), Options{Workers: w}); !reflect.DeepEqual(got, want) {
			t.Fatalf("workers=%d: order differs (first %q, want %q)", w, got[:3], want[:3])
		}
	}
}

func TestReadStopsOnEmitError(t *testing.T) {
	in := strings.Repeat(line("a")+"\n", 2*batchLines)
	stop := errors.New("stop")
	n := 0
	err := Read(context.Background(), strings.NewReader(in), Options{}, func(Record) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	}, func(LineError) {})
	if !errors.Is(err, stop) || n != 10 {
		t.Fatalf("err %v after %d events, want stop after 10", err, n)
	}
}

// TestDecoderMatchesStdlib keeps the fast decoder honest: for real-shaped
// events, jsoniter gives exactly what the API server's own decoding
// (sigs.k8s.io/json, case-sensitive) gives.
func TestDecoderMatchesStdlib(t *testing.T) {
	var buf bytes.Buffer
	if err := Generate(&buf, 2000, GenerateOptions{}); err != nil {
		t.Fatal(err)
	}
	extra := []string{
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"x","stage":"ResponseComplete","impersonatedUser":{"username":"bob","extra":{"k":["v"]}},` +
			`"requestObject":{"kind":"Pod","spec":{"containers":[{"name":"c"}]}},"responseObject":{"kind":"Status","code":403},` +
			`"annotations":{"pod-security.kubernetes.io/audit-violations":"x \u003c y"},"authenticationMetadata":{"impersonationConstraint":"c"},"responseStatus":{"code":403,"reason":"Forbidden"}}`,
		`{"kind":"Event","stage":"ResponseComplete","Verb":"get","auditID":"case"}`, // keys are case-sensitive
	}
	for _, l := range append(strings.Split(strings.TrimSpace(buf.String()), "\n"), extra...) {
		got, err := decodeEvent([]byte(l))
		if err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		var want auditv1.Event
		if err := sigsjson.UnmarshalCaseSensitivePreserveInts([]byte(l), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*got, want) {
			g, _ := stdjson.Marshal(got)
			w, _ := stdjson.Marshal(&want)
			t.Fatalf("decoders differ on\n%s\njsoniter: %s\nstdlib:   %s", l, g, w)
		}
	}
}

// BenchmarkDecode compares one event's decoding by jsoniter (used) and by
// encoding/json.
func BenchmarkDecode(b *testing.B) {
	var buf bytes.Buffer
	_ = Generate(&buf, 1, GenerateOptions{})
	ev := bytes.TrimSpace(buf.Bytes())
	b.Run("jsoniter", func(b *testing.B) {
		b.SetBytes(int64(len(ev)))
		for b.Loop() {
			if _, err := decodeEvent(ev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(ev)))
		for b.Loop() {
			var e auditv1.Event
			if err := stdjson.Unmarshal(ev, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
}
