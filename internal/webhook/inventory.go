package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"

	"github.com/palisade-dev/palisade/internal/manifest"
)

// Inventory is where an InventorySync keeps the cluster's objects: the
// policy package's data.inventory, which rebuilds its Rego value in the
// background once followed.
type Inventory interface {
	Add(o *manifest.Object)
	Delete(namespace, apiVersion, kind, name string)
	Follow(ctx context.Context, delay time.Duration)
	Refresh()
	Len() int
}

// InventorySync keeps a policy Inventory (data.inventory) in step with the
// cluster, as Gatekeeper's sync does, so a referential policy gives at
// admission the verdict it gives in a scan that holds the same objects.
// It watches, through informers, every resource whose kind the policies
// read from data.inventory (or the configured kinds); objects arrive
// without managedFields. Kinds are added on reload, never dropped while
// the server runs.
type InventorySync struct {
	inv       Inventory
	client    dynamic.Interface
	discovery discovery.DiscoveryInterface
	log       *slog.Logger

	mu      sync.Mutex
	ctx     context.Context
	factory dynamicinformer.DynamicSharedInformerFactory
	watched []watched
}

// watched is one resource watched, and whether its handler has had the
// initial list.
type watched struct {
	gvr    schema.GroupVersionResource
	synced cache.InformerSynced
}

// NewInventorySync fills inv from the cluster once Sync names kinds.
func NewInventorySync(inv Inventory, client dynamic.Interface, disc discovery.DiscoveryInterface, log *slog.Logger) *InventorySync {
	return &InventorySync{inv: inv, client: client, discovery: disc, log: log,
		factory: dynamicinformer.NewDynamicSharedInformerFactory(client, 0)}
}

// Sync watches every served resource of the given kinds (their preferred
// version) until ctx ends, adding to those already watched. A kind the
// API server does not serve is an error; the others are watched anyway.
func (s *InventorySync) Sync(ctx context.Context, kinds []string) error {
	if len(kinds) == 0 {
		return nil
	}
	lists, err := s.discovery.ServerPreferredResources()
	if len(lists) == 0 && err != nil {
		return fmt.Errorf("data.inventory: discovering the API server's resources: %w", err)
	}
	want := map[string]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	found := map[string]bool{}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil {
		s.ctx = ctx
		s.inv.Follow(ctx, inventoryDelay)
	}
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if !want[r.Kind] || strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "list") || !slices.Contains(r.Verbs, "watch") {
				continue
			}
			found[r.Kind] = true
			gvr := gv.WithResource(r.Name)
			if !slices.ContainsFunc(s.watched, func(w watched) bool { return w.gvr == gvr }) {
				s.watch(gvr)
			}
		}
	}
	s.factory.Start(s.ctx.Done())
	var missing []string
	for _, k := range kinds {
		if !found[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("data.inventory: the API server serves no listable kind %s", strings.Join(missing, ", "))
	}
	return nil
}

// inventoryDelay bounds how stale data.inventory is after a change (plus
// the time to rebuild it), and how often bursts of changes rebuild it.
const inventoryDelay = 100 * time.Millisecond

func (s *InventorySync) watch(gvr schema.GroupVersionResource) {
	informer := s.factory.ForResource(gvr).Informer()
	// Policies never see managedFields (as in a scan); the cache need not
	// hold them either.
	_ = informer.SetTransform(func(obj any) (any, error) {
		if u, ok := obj.(*unstructured.Unstructured); ok {
			u.SetManagedFields(nil)
		}
		return obj, nil
	})
	add := func(obj any) {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return
		}
		o, err := manifest.NewObject(u.Object, manifest.Source{File: "cluster:" + gvr.String()})
		if err != nil {
			s.log.Warn("data.inventory: object left out", "resource", gvr.String(), "name", u.GetName(), "error", err.Error())
			return
		}
		s.inv.Add(o)
	}
	reg, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    add,
		UpdateFunc: func(_, obj any) { add(obj) },
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if u, ok := obj.(*unstructured.Unstructured); ok {
				s.inv.Delete(u.GetNamespace(), u.GetAPIVersion(), u.GetKind(), u.GetName())
			}
		},
	})
	if err != nil {
		s.log.Error("data.inventory: cannot watch", "resource", gvr.String(), "error", err.Error())
		return
	}
	// The registration's HasSynced: the handler, not only the cache, has
	// had every object of the initial list.
	s.watched = append(s.watched, watched{gvr, reg.HasSynced})
	s.log.Info("data.inventory: watching", "resource", gvr.String())
}

// Register adds the sync's metrics to reg (the server's registry):
// palisade_webhook_inventory_objects, the objects kept, and
// palisade_webhook_inventory_synced{resource}, 1 once a watched resource
// has been listed.
func (s *InventorySync) Register(reg prometheus.Registerer) error {
	objects := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "palisade_webhook_inventory_objects",
		Help: "Objects of the cluster kept in data.inventory for referential policies.",
	}, func() float64 { return float64(s.inv.Len()) })
	if err := reg.Register(objects); err != nil {
		return err
	}
	return reg.Register(syncedCollector{s})
}

var syncedDesc = prometheus.NewDesc("palisade_webhook_inventory_synced",
	"1 once a resource watched for data.inventory has been listed, else 0.", []string{"resource"}, nil)

// syncedCollector reports each watched resource's sync state when scraped.
type syncedCollector struct{ s *InventorySync }

func (c syncedCollector) Describe(ch chan<- *prometheus.Desc) { ch <- syncedDesc }

func (c syncedCollector) Collect(ch chan<- prometheus.Metric) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	for _, w := range c.s.watched {
		v := 0.0
		if w.synced() {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(syncedDesc, prometheus.GaugeValue, v, w.gvr.GroupResource().String())
	}
}

// Shutdown waits for the informers' goroutines to end, once the context
// given to the first Sync is done.
func (s *InventorySync) Shutdown() { s.factory.Shutdown() }

// Synced reports whether every watched resource has been listed.
func (s *InventorySync) Synced() bool {
	return !slices.ContainsFunc(s.syncFuncs(), func(f cache.InformerSynced) bool { return !f() })
}

func (s *InventorySync) syncFuncs() []cache.InformerSynced {
	s.mu.Lock()
	defer s.mu.Unlock()
	fs := make([]cache.InformerSynced, len(s.watched))
	for i, w := range s.watched {
		fs[i] = w.synced
	}
	return fs
}

// WaitForSync waits, at most timeout, for every watched resource to be
// listed, then rebuilds the inventory, so evaluations from then on see
// every listed object.
func (s *InventorySync) WaitForSync(ctx context.Context, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if !cache.WaitForCacheSync(ctx.Done(), s.syncFuncs()...) {
		return false
	}
	s.inv.Refresh()
	return true
}
