package webhook

import (
	"reflect"
	"sync"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
	kjson "sigs.k8s.io/json"
)

// JSON on the request path goes through github.com/go-json-experiment/json,
// the mirror of Go's encoding/json/v2 (standard from Go 1.27, where
// encoding/json itself runs on it). Its v1 package is encoding/json's API
// and semantics on the v2 engine: the AdmissionReview decodes about three
// times as fast and the typed object about twice as fast as with
// encoding/json and sigs.k8s.io/json, which were a quarter of a request's
// CPU. TestTypedDecodeMatches and FuzzTypedDecode hold the typed decoding
// to sigs.k8s.io/json's, which the API server itself uses.

// decodeJSON is encoding/json.Unmarshal (the AdmissionReview envelope).
func decodeJSON(data []byte, v any) error { return jsonv1.Unmarshal(data, v) }

// encodeJSON is encoding/json.Marshal (the answered AdmissionReview).
func encodeJSON(v any) ([]byte, error) { return jsonv1.Marshal(v) }

// typedOptions are sigs.k8s.io/json's UnmarshalCaseSensitivePreserveInts
// semantics, bar the integers it keeps in interface{} fields: v1's, with
// names matched exactly.
var typedOptions = jsonv2.JoinOptions(jsonv1.DefaultOptionsV1(), jsonv2.MatchCaseInsensitiveNames(false))

// unmarshalTyped decodes raw into obj as the API server's serializer does
// (sigs.k8s.io/json, case-sensitive, integers kept in interface{} fields).
// Types with an interface{} field anywhere, and any input the fast
// decoder refuses, take sigs.k8s.io/json itself, so errors are its own.
func unmarshalTyped(raw []byte, obj any) error {
	if !hasInterface(reflect.TypeOf(obj)) {
		if err := jsonv2.Unmarshal(raw, obj, typedOptions); err == nil {
			return nil
		}
		// A failed decoding may have set some fields: start again from
		// the zero value, as the serializer would.
		v := reflect.ValueOf(obj).Elem()
		v.Set(reflect.Zero(v.Type()))
	}
	return kjson.UnmarshalCaseSensitivePreserveInts(raw, obj)
}

var interfaceTypes sync.Map // reflect.Type -> hasInterface(type)

// hasInterface reports whether a value of t can hold an interface{}
// somewhere, where v1 would decode a number as float64 and
// sigs.k8s.io/json as int64.
func hasInterface(t reflect.Type) bool {
	if v, ok := interfaceTypes.Load(t); ok {
		return v.(bool)
	}
	has := walkInterface(t, map[reflect.Type]bool{})
	interfaceTypes.Store(t, has)
	return has
}

func walkInterface(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return walkInterface(t.Elem(), seen)
	case reflect.Map:
		return walkInterface(t.Key(), seen) || walkInterface(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if walkInterface(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}
