package checks

import (
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"
)

// As converts o's content to *T once per object: several checks read the
// same Service, NetworkPolicy or role, and the reflective conversion is the
// costliest step of a check. ok is false when the content does not convert.
// An Object is evaluated by one goroutine, so the memo needs no lock.
func As[T any](o *Object) (*T, bool) {
	key := reflect.TypeFor[T]()
	if v, seen := o.typed[key]; seen {
		t, ok := v.(*T)
		return t, ok
	}
	if o.typed == nil {
		o.typed = map[reflect.Type]any{}
	}
	t := new(T)
	if o.Content == nil || runtime.DefaultUnstructuredConverter.FromUnstructured(o.Content, t) != nil {
		o.typed[key] = nil
		return nil, false
	}
	o.typed[key] = t
	return t, true
}
