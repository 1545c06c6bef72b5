package webhook

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/pod-security-admission/admission"
)

// KubeCluster reads namespaces through an informer cache, as the API
// server's own Pod Security plugin does, so a request costs no API call
// (a namespace created a moment ago and not yet in the cache is fetched,
// by upstream's getter). Pods are listed from the API server, only when a
// namespace's enforce level is tightened, as upstream's webhook does:
// caching every pod of the cluster would cost far more memory than those
// rare lists cost time.
type KubeCluster struct {
	factory informers.SharedInformerFactory
	synced  cache.InformerSynced
	admission.NamespaceGetter
	admission.PodLister
}

var _ Cluster = (*KubeCluster)(nil)

// NewCluster builds the cache; Start starts it.
func NewCluster(client kubernetes.Interface) *KubeCluster {
	// Only labels and the name matter to Pod Security; dropping the rest
	// keeps the cache small in clusters with many namespaces.
	strip := func(obj any) (any, error) {
		if ns, ok := obj.(*corev1.Namespace); ok {
			ns.ManagedFields, ns.Annotations = nil, nil
		}
		return obj, nil
	}
	f := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTransform(strip))
	nsInformer := f.Core().V1().Namespaces()
	c := &KubeCluster{
		factory:         f,
		synced:          nsInformer.Informer().HasSynced,
		NamespaceGetter: admission.NamespaceGetterFromListerAndClient(nsInformer.Lister(), client),
		PodLister:       admission.PodListerFromClient(client),
	}
	return c
}

// Start runs the informer until ctx is done.
func (c *KubeCluster) Start(ctx context.Context) { c.factory.Start(ctx.Done()) }

// Shutdown waits for the informer's goroutines to end, once the context
// given to Start is done.
func (c *KubeCluster) Shutdown() { c.factory.Shutdown() }

// Synced reports whether the namespace cache holds the whole list.
func (c *KubeCluster) Synced() bool { return c.synced() }

// WaitForSync waits for the cache, at most timeout.
func (c *KubeCluster) WaitForSync(ctx context.Context, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return cache.WaitForCacheSync(ctx.Done(), c.synced)
}
