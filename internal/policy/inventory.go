package policy

import (
	"context"
	"maps"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"

	"github.com/palisade-dev/palisade/internal/manifest"
)

// Inventory is Gatekeeper's data.inventory for one run: the objects a
// referential policy may look up, as
// data.inventory.cluster[apiVersion][kind][name] and
// data.inventory.namespace[ns][apiVersion][kind][name]. The scan fills it
// in its first pass, before anything is evaluated (see Set.Keeper); a
// policy test fills it from a case's inventory files.
//
// Only the kinds that the loaded policies can read are kept (all kinds when
// a policy indexes data.inventory by a variable kind), and each object
// without its managedFields.
type Inventory struct {
	mu      sync.Mutex
	objects map[invKey]map[string]any
	value   ast.Value // built on first use after a change
}

type invKey struct{ namespace, apiVersion, kind, name string }

// NewInventory returns an empty inventory.
func NewInventory() *Inventory { return &Inventory{objects: map[invKey]map[string]any{}} }

// Add records o; a later object with the same identity replaces it, as a
// later `kubectl apply` would. Safe for concurrent use.
func (inv *Inventory) Add(o *manifest.Object) {
	if o == nil || o.Content == nil {
		return
	}
	content := o.Content
	if meta, ok := content["metadata"].(map[string]any); ok {
		if _, has := meta["managedFields"]; has {
			content = maps.Clone(content)
			meta = maps.Clone(meta)
			delete(meta, "managedFields")
			content["metadata"] = meta
		}
	}
	name := o.Name
	if meta, ok := content["metadata"].(map[string]any); ok {
		if n, ok := meta["name"].(string); ok {
			name = n
		}
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.objects[invKey{o.Namespace, o.APIVersion, o.Kind, name}] = content
	inv.value = nil
}

// Len counts the objects kept.
func (inv *Inventory) Len() int {
	if inv == nil {
		return 0
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return len(inv.objects)
}

// ast returns data.inventory as a Rego value, built once per change.
func (inv *Inventory) ast() (ast.Value, error) {
	if inv == nil {
		return emptyInventory, nil
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.value != nil {
		return inv.value, nil
	}
	cluster, namespaced := map[string]any{}, map[string]any{}
	for k, content := range inv.objects {
		root := cluster
		if k.namespace != "" {
			root = child(namespaced, k.namespace)
		}
		child(child(root, k.apiVersion), k.kind)[k.name] = content
	}
	v, err := ast.InterfaceToValue(map[string]any{"cluster": cluster, "namespace": namespaced})
	if err != nil {
		return nil, err
	}
	inv.value = v
	return v, nil
}

func child(m map[string]any, k string) map[string]any {
	c, ok := m[k].(map[string]any)
	if !ok {
		c = map[string]any{}
		m[k] = c
	}
	return c
}

var emptyInventory = ast.NewObject(
	ast.Item(ast.StringTerm("cluster"), ast.ObjectTerm()),
	ast.Item(ast.StringTerm("namespace"), ast.ObjectTerm()),
)

// inventoryKey carries the data.inventory value of one evaluation in its
// context, so one compiled Set serves any number of inventories.
type inventoryKey struct{}

// store is the Set's data: the data files beside the policies, plus
// data.inventory read from the evaluation's context.
type store struct{ storage.Store }

func (s store) Read(ctx context.Context, txn storage.Transaction, path storage.Path) (any, error) {
	if len(path) == 0 || path[0] != "inventory" {
		v, err := s.Store.Read(ctx, txn, path)
		if len(path) > 0 || err != nil {
			return v, err
		}
		// The whole of data: add the inventory to the files' data.
		root, ok := v.(ast.Object)
		if !ok {
			return v, nil
		}
		cp := root.Copy()
		cp.Insert(ast.StringTerm("inventory"), ast.NewTerm(inventoryFrom(ctx)))
		return cp, nil
	}
	var ref ast.Ref
	for _, p := range path[1:] {
		ref = append(ref, ast.StringTerm(p))
	}
	v, err := inventoryFrom(ctx).Find(ref)
	if err != nil {
		return nil, &storage.Error{Code: storage.NotFoundErr, Message: path.String() + ": document missing"}
	}
	return v, nil
}

func inventoryFrom(ctx context.Context) ast.Value {
	if v, ok := ctx.Value(inventoryKey{}).(ast.Value); ok {
		return v
	}
	return emptyInventory
}

// inventoryRefs reports which kinds the modules read from data.inventory:
// none (nil, false), some (kinds, false) or any (nil, true).
func inventoryRefs(modules map[string]*ast.Module) (map[string]bool, bool) {
	var kinds map[string]bool
	all := false
	str := func(t *ast.Term) (string, bool) {
		s, ok := t.Value.(ast.String)
		return string(s), ok
	}
	for _, m := range modules {
		ast.WalkRefs(m, func(r ast.Ref) bool {
			if !r.HasPrefix(ast.DefaultRootRef) {
				return false
			}
			if len(r) < 2 {
				all = true // data as a whole
				return false
			}
			head, ok := str(r[1])
			if !ok {
				all = true // data[x]
				return false
			}
			if head != "inventory" {
				return false
			}
			kindAt := 0
			if len(r) > 2 {
				switch scope, _ := str(r[2]); scope {
				case "cluster":
					kindAt = 4
				case "namespace":
					kindAt = 5
				}
			}
			kind, ok := "", false
			if kindAt > 0 && len(r) > kindAt {
				kind, ok = str(r[kindAt])
			}
			if !ok {
				all = true
				return false
			}
			if kinds == nil {
				kinds = map[string]bool{}
			}
			kinds[kind] = true
			return false
		})
	}
	if all {
		return nil, true
	}
	return kinds, false
}
