package cluster

import (
	"cmp"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/palisade-dev/palisade/internal/manifest"
)

// Item is one listed object with what owner resolution needs.
type Item struct {
	Object *manifest.Object
	UID    types.UID
	// Controller is the owner reference marked controller, if any.
	Controller *metav1.OwnerReference
}

// Snapshot is what one run read from the cluster.
type Snapshot struct {
	Context string
	// Scope is the namespace the listing was limited to ("" for all).
	// Cluster-scoped objects are still read then, since namespaced facts
	// refer to them (a RoleBinding to a ClusterRole), but not reported.
	Scope string
	items []*Item
	byUID map[types.UID]*Item
	// namespaces seen: listed Namespace objects and namespaces of objects
	// (the latter matters when Namespaces could not be listed).
	namespaces map[string]bool
}

func newSnapshot(contextName string) *Snapshot {
	return &Snapshot{Context: contextName, byUID: map[types.UID]*Item{}, namespaces: map[string]bool{}}
}

// NewSnapshot builds a snapshot from objects read elsewhere (tests, or a
// file of `kubectl get -o json` output): uid and owner references are
// read from each object's metadata.
func NewSnapshot(contextName string, objs []*manifest.Object) *Snapshot {
	s := newSnapshot(contextName)
	for _, o := range objs {
		it := &Item{Object: o}
		meta, _ := o.Content["metadata"].(map[string]any)
		uid, _ := meta["uid"].(string)
		it.UID = types.UID(uid)
		refs, _ := meta["ownerReferences"].([]any)
		for _, r := range refs {
			m, _ := r.(map[string]any)
			if c, _ := m["controller"].(bool); c {
				ref := &metav1.OwnerReference{Controller: &c}
				ref.APIVersion, _ = m["apiVersion"].(string)
				ref.Kind, _ = m["kind"].(string)
				ref.Name, _ = m["name"].(string)
				u, _ := m["uid"].(string)
				ref.UID = types.UID(u)
				it.Controller = ref
				break
			}
		}
		s.add(it)
	}
	return s
}

func (s *Snapshot) add(it *Item) {
	s.items = append(s.items, it)
	if it.UID != "" {
		s.byUID[it.UID] = it
	}
	o := it.Object
	switch {
	case o.Kind == "Namespace" && o.APIVersion == "v1":
		s.namespaces[o.Name] = true
	case o.Namespace != "":
		s.namespaces[o.Namespace] = true
	}
}

// Items returns every object in listing order (kind by kind, as Kinds
// lists them), each kind sorted by namespace and name.
func (s *Snapshot) Items() []*Item {
	slices.SortStableFunc(s.items, func(a, b *Item) int {
		return cmp.Or(
			cmp.Compare(kindRank(a.Object), kindRank(b.Object)),
			cmp.Compare(a.Object.Namespace, b.Object.Namespace),
			cmp.Compare(a.Object.Name, b.Object.Name))
	})
	return s.items
}

func kindRank(o *manifest.Object) int {
	for i, k := range Kinds {
		if k.Kind == o.Kind && k.APIVersion() == o.APIVersion {
			return i
		}
	}
	return len(Kinds)
}

// Namespaces lists the namespaces seen, sorted.
func (s *Snapshot) Namespaces() []string {
	out := make([]string, 0, len(s.namespaces))
	for n := range s.namespaces {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Reported says whether it is reported on its own: it has no controller,
// or its controller was not read (another kind, or one palisade could not
// list), so nothing else stands for it. A Pod of a ReplicaSet of a
// Deployment is reported through the Deployment.
func (s *Snapshot) Reported(it *Item) bool {
	return s.InScope(it) && (it.Controller == nil || s.byUID[it.Controller.UID] == nil)
}

// InScope says whether it belongs to the namespace the run is about: any
// object without a Scope, else the objects of that namespace and the
// Namespace itself.
func (s *Snapshot) InScope(it *Item) bool {
	o := it.Object
	return s.Scope == "" || o.Namespace == s.Scope || (o.Kind == "Namespace" && o.Name == s.Scope)
}

// Owner names the object that stands for it: the top of its chain of
// controllers ("Deployment/web" for a pod of a ReplicaSet of Deployment
// web). A controller that was not read is named from the reference; an
// object without controller stands for itself.
func (s *Snapshot) Owner(it *Item) string {
	seen := map[types.UID]bool{}
	cur := it
	for cur.Controller != nil && !seen[cur.UID] {
		seen[cur.UID] = true
		up := s.byUID[cur.Controller.UID]
		if up == nil {
			return cur.Controller.Kind + "/" + cur.Controller.Name
		}
		cur = up
	}
	return cur.Object.Kind + "/" + cur.Object.Name
}
