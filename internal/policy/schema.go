package policy

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// ErrSchema marks a constraint whose parameters do not fit its template's
// openAPIV3Schema (a gator Suite's `invalid: true` test expects it).
var ErrSchema = errors.New("constraint parameters do not match the template's schema")

// schemaError is one parameter that does not fit, at a field path.
type schemaError struct {
	path, msg string
}

func (e *schemaError) Error() string { return e.path + ": " + e.msg }

func (e *schemaError) Unwrap() error { return ErrSchema }

// validateSchema checks v against the structural subset of OpenAPI v3
// that ConstraintTemplates use: type, properties, additionalProperties,
// items, enum. Unknown fields are not an error (the API server prunes
// them).
func validateSchema(schema map[string]any, v any, path string) *schemaError {
	if schema == nil || v == nil {
		return nil
	}
	if enum, ok := schema["enum"].([]any); ok && len(enum) > 0 {
		found := false
		for _, e := range enum {
			found = found || fmt.Sprint(e) == fmt.Sprint(v)
		}
		if !found {
			return &schemaError{path, fmt.Sprintf("%v is not one of %v", v, enum)}
		}
	}
	typ, _ := schema["type"].(string)
	if typ != "" && !hasType(typ, v) {
		return &schemaError{path, fmt.Sprintf("must be of type %s, got %s", typ, typeOf(v))}
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		extra, _ := schema["additionalProperties"].(map[string]any)
		for _, k := range sortedKeys(x) {
			sub, _ := props[k].(map[string]any)
			if sub == nil {
				sub = extra
			}
			if err := validateSchema(sub, x[k], path+"."+k); err != nil {
				return err
			}
		}
	case []any:
		items, _ := schema["items"].(map[string]any)
		for i, e := range x {
			if err := validateSchema(items, e, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	}
	return nil
}

func hasType(typ string, v any) bool {
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "integer":
		switch n := v.(type) {
		case int, int64:
			return true
		case float64:
			return n == math.Trunc(n)
		}
		return false
	case "number":
		switch v.(type) {
		case int, int64, float64:
			return true
		}
		return false
	}
	return true
}

func typeOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int, int64, float64:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}
