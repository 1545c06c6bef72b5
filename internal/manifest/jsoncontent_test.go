package manifest

import (
	"math/rand"
	"os"
	"reflect"
	"strings"
	"testing"

	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// checkJSONObject: DecodeJSONObject gives what the reference decoder gives,
// error or value.
func checkJSONObject(t *testing.T, data []byte) {
	t.Helper()
	var want map[string]any
	werr := utiljson.Unmarshal(data, &want)
	got, gerr := DecodeJSONObject(data)
	if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
		t.Fatalf("%q: error %v, want %v", data, gerr, werr)
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %#v\nwant %#v", data, got, want)
	}
}

var jsonCases = []string{
	`{}`, ` { } `, `null`, ` null `, `{"a":1}`, `{"a":-0,"b":1.0,"c":1e2,"d":-12,"e":9223372036854775807,"f":9223372036854775808,"g":-9223372036854775809}`,
	`{"a":1.5e-3,"b":0.1,"c":1E+2,"d":1e400}`, `{"a":[],"b":[1,"x",true,false,null,{"c":[]}]}`,
	`{"a":"x","a":"y"}`, `{"s":"\"\\\/\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00"}`,
	`{"s":"\ud800"}`, `{"s":"\ud800x"}`, `{"s":"\ud800\u0041"}`, `{"s":"\udc00\ud800"}`, `{"s":"\ud800\ud800\udc00"}`,
	"{\"s\":\"\xff\xfe ok \xc3\"}", "{\"\xff\":1}", `{"s":"` + "\x7f" + `"}`,
	`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":+1}`, `{"a":tru}`, `{"a":nul}`, `{"a":"x}`,
	`{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"\u12g4"}`, "{\"a\":\"\x01\"}", `{"a" 1}`, `{"a":1,}`, `{,}`, `{"a":[1,]}`, `{"a":[,1]}`,
	`[1]`, `"x"`, `1`, `true`, ``, ` `, `{} x`, `{}{}`, `null x`, "\ufeff{}", `{"a":{"b":{"c":{}}}}`,
	strings.Repeat(`{"a":`, 10001) + `1` + strings.Repeat(`}`, 10001),
	strings.Repeat(`{"a":`, 9990) + `1` + strings.Repeat(`}`, 9990),
}

func TestDecodeJSONObject(t *testing.T) {
	for _, c := range jsonCases {
		checkJSONObject(t, []byte(c))
	}
	// Random objects from JSON-ish fragments.
	r := rand.New(rand.NewSource(3))
	atoms := []string{`1`, `-2.5`, `1e3`, `"s"`, `"\u00e9\n"`, `true`, `null`, `[]`, `{}`, `"\ud83d\ude00"`, `9999999999999999999`, `0`, `-0.0`}
	var gen func(d int) string
	gen = func(d int) string {
		if d > 4 || r.Intn(3) == 0 {
			return atoms[r.Intn(len(atoms))]
		}
		var b strings.Builder
		if r.Intn(2) == 0 {
			b.WriteString("[")
			for i := r.Intn(4); i > 0; i-- {
				b.WriteString(gen(d + 1))
				if i > 1 {
					b.WriteString(", ")
				}
			}
			b.WriteString("]")
		} else {
			b.WriteString("{")
			for i := r.Intn(4); i > 0; i-- {
				b.WriteString(`"k` + string(rune('a'+r.Intn(3))) + `": ` + gen(d+1))
				if i > 1 {
					b.WriteString(",")
				}
			}
			b.WriteString("}")
		}
		return b.String()
	}
	for range 20000 {
		checkJSONObject(t, []byte(`{"x": `+gen(0)+`}`))
	}
}

func FuzzDecodeJSONObject(f *testing.F) {
	for _, c := range jsonCases[:len(jsonCases)-2] {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkJSONObject(t, data)
	})
}

// BenchmarkDecodeJSONObject: a typical Pod as admission sends it
// (bench/webhook-testdata/pod.yaml), with the reference decoder for
// comparison.
func BenchmarkDecodeJSONObject(b *testing.B) {
	data, err := os.ReadFile("../../bench/webhook-testdata/pod.yaml")
	if err != nil {
		b.Fatal(err)
	}
	raw, err := yaml.YAMLToJSON(data)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("palisade", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeJSONObject(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("utiljson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]any
			if err := utiljson.Unmarshal(raw, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
