package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
)

func TestSchemaTypes(t *testing.T) {
	tests := []struct {
		schema string
		value  any
		want   string // "" when valid
	}{
		{`{"type": "integer"}`, int64(3), ""},
		{`{"type": "integer"}`, 3.0, ""},
		{`{"type": "integer"}`, 3.5, "p: must be of type integer, got number"},
		{`{"type": "number"}`, 3.5, ""},
		{`{"type": "number"}`, "3", "p: must be of type number, got string"},
		{`{"type": "boolean"}`, true, ""},
		{`{"type": "boolean"}`, "true", "p: must be of type boolean, got string"},
		{`{"type": "object", "additionalProperties": {"type": "string"}}`, map[string]any{"a": "x", "b": 1}, "p.b: must be of type string, got number"},
		{`{"type": "object", "properties": {"a": {"enum": ["x", "y"]}}}`, map[string]any{"a": "y"}, ""},
		{`{"type": "array"}`, map[string]any{}, "p: must be of type array, got object"},
		{`{"type": "string"}`, []any{}, "p: must be of type string, got array"},
		{`{"x-kubernetes-int-or-string": true}`, nil, ""},
	}
	for _, tc := range tests {
		var schema map[string]any
		if err := json.Unmarshal([]byte(tc.schema), &schema); err != nil {
			t.Fatal(err)
		}
		got := ""
		if err := validateSchema(schema, tc.value, "p"); err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s on %v: got %q, want %q", tc.schema, tc.value, got, tc.want)
		}
	}
}

func TestWildcard(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"kube-system", "kube-system", true},
		{"kube-*", "kube-public", true},
		{"*-system", "gatekeeper-system", true},
		{"*-system", "system", false},
		{"*", "anything", true},
		{"web", "web2", false},
	}
	for _, tc := range tests {
		if got := wildcard(tc.pattern, tc.s); got != tc.want {
			t.Errorf("wildcard(%q, %q) = %v", tc.pattern, tc.s, got)
		}
	}
}

func TestParseConfigText(t *testing.T) {
	tests := []struct {
		parser, text, want string
	}{
		{"yaml", "a: 1\n", `map[a:1]`},
		{"yml", "a: 1\n---\nb: 2\n", `[map[a:1] map[b:2]]`},
		{"yaml", "", `<nil>`},
		{"json", `{"a": [1, 2.5]}`, `map[a:[1 2.5]]`},
		{"hcl", "a = 1", `error: unsupported parser "hcl" (want yaml or json)`},
		{"yaml", "a: [", `error: yaml: line 1: did not find expected node content`},
	}
	for _, tc := range tests {
		v, err := parseConfigText(tc.parser, []byte(tc.text))
		got := fmt.Sprint(v)
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != tc.want {
			t.Errorf("%s %q: got %s, want %s", tc.parser, tc.text, got, tc.want)
		}
	}
}

// TestStoreRoot: reading the whole of data gives the data files and the
// evaluation's inventory.
func TestStoreRoot(t *testing.T) {
	s := mustLoad(t, map[string]string{"d.yaml": "teams: [a]\n"}, Options{})
	ctx := context.WithValue(context.Background(), inventoryKey{}, ast.MustParseTerm(`{"cluster": {"v1": {}}}`).Value)
	txn, err := s.store.NewTransaction(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.store.Abort(ctx, txn)
	root, err := s.store.Read(ctx, txn, storage.Path{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(root), `{"inventory": {"cluster": {"v1": {}}}, "teams": ["a"]}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if _, err := s.store.Read(ctx, txn, storage.Path{"inventory", "namespace"}); !storage.IsNotFound(err) {
		t.Errorf("a missing inventory path is not found: %v", err)
	}
	if got, _ := s.store.Read(context.Background(), txn, storage.Path{"inventory"}); got.(ast.Value).Compare(emptyInventory) != 0 {
		t.Errorf("no inventory in the context: %v", got)
	}
	if m := s.TestModules(); len(m) != 0 || s.Data()["teams"] == nil {
		t.Errorf("TestModules %v, Data %v", m, s.Data())
	}
}
