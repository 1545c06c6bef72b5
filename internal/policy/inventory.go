package policy

import (
	"context"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"

	"github.com/palisade-dev/palisade/internal/manifest"
)

// Inventory is Gatekeeper's data.inventory: the objects a referential
// policy may look up, as data.inventory.cluster[apiVersion][kind][name] and
// data.inventory.namespace[ns][apiVersion][kind][name]. The scan fills it
// in its first pass, before anything is evaluated (see Set.Keeper); a
// policy test fills it from a case's inventory files; `palisade serve`
// fills it from the cluster (webhook.InventorySync) and Follows it.
//
// Only the kinds that the loaded policies can read are kept (all kinds when
// a policy indexes data.inventory by a variable kind), and each object
// without its managedFields.
type Inventory struct {
	mu      sync.Mutex
	objects map[invKey]*invObject
	value   ast.Value // built on first use after a change

	// Followed (live) inventories convert each object when it is added
	// and rebuild the whole value in the background after changes, so an
	// evaluation never waits for a rebuild: it reads the last value built.
	wake      chan struct{} // non-nil once followed
	liveValue atomic.Pointer[ast.Value]
}

type invKey struct{ namespace, apiVersion, kind, name string }

type invObject struct {
	content map[string]any
	value   ast.Value // content as a Rego value, converted once
}

// NewInventory returns an empty inventory.
func NewInventory() *Inventory { return &Inventory{objects: map[invKey]*invObject{}} }

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
	obj := &invObject{content: content}
	if inv.followed() {
		// Off the request path (an informer's handler), once per change;
		// the Rego value is all a followed inventory keeps of the object.
		v, err := ast.InterfaceToValue(content)
		if err != nil {
			return
		}
		obj.content, obj.value = nil, v
	}
	inv.mu.Lock()
	inv.objects[invKey{o.Namespace, o.APIVersion, o.Kind, name}] = obj
	inv.changed()
	inv.mu.Unlock()
}

// Delete forgets an object.
func (inv *Inventory) Delete(namespace, apiVersion, kind, name string) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	k := invKey{namespace, apiVersion, kind, name}
	if _, ok := inv.objects[k]; ok {
		delete(inv.objects, k)
		inv.changed()
	}
}

// changed marks the value stale; inv.mu is held.
func (inv *Inventory) changed() {
	inv.value = nil
	if inv.wake != nil {
		select {
		case inv.wake <- struct{}{}:
		default:
		}
	}
}

func (inv *Inventory) followed() bool {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return inv.wake != nil
}

// Follow makes inv live until ctx ends: from now on a change shows in the
// value evaluations read at most delay (plus the rebuild) after it, and
// evaluations never rebuild it themselves. Changes coming in bursts (an
// informer's initial list, a rollout) cost one rebuild per delay.
func (inv *Inventory) Follow(ctx context.Context, delay time.Duration) {
	inv.mu.Lock()
	if inv.wake != nil {
		inv.mu.Unlock()
		return
	}
	inv.wake = make(chan struct{}, 1)
	inv.mu.Unlock()
	inv.Refresh()
	go func() {
		t := time.NewTimer(delay)
		t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-inv.wake:
			}
			t.Reset(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			inv.Refresh()
		}
	}()
}

// Refresh rebuilds a followed inventory's value now, so evaluations from
// then on see every change made before it. An inventory not followed
// needs none: it is built on first use after a change.
func (inv *Inventory) Refresh() {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.wake == nil {
		return
	}
	// Published under the lock, so a slower rebuild never replaces a
	// newer value.
	if v, err := inv.build(); err == nil {
		inv.liveValue.Store(&v)
	}
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

// ast returns data.inventory as a Rego value: for a followed inventory the
// last one built, else one built on first use after a change.
func (inv *Inventory) ast() (ast.Value, error) {
	if inv == nil {
		return emptyInventory, nil
	}
	if v := inv.liveValue.Load(); v != nil {
		return *v, nil
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.value != nil {
		return inv.value, nil
	}
	return inv.build()
}

// build makes the value from the objects, converting those not converted
// yet; inv.mu is held.
func (inv *Inventory) build() (ast.Value, error) {
	cluster, namespaced := map[string]any{}, map[string]any{}
	for k, obj := range inv.objects {
		if obj.value == nil {
			v, err := ast.InterfaceToValue(obj.content)
			if err != nil {
				return nil, err
			}
			obj.value = v
		}
		root := cluster
		if k.namespace != "" {
			root = child(namespaced, k.namespace)
		}
		// A Rego value inside the tree is taken as is.
		child(child(root, k.apiVersion), k.kind)[k.name] = obj.value
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
