package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/pager"

	"github.com/palisade-dev/palisade/internal/manifest"
)

// ListOptions bound what List reads.
type ListOptions struct {
	// Namespace limits the namespaced kinds to one namespace, and the
	// Namespace kind to that one object; "" lists every namespace.
	Namespace string
	// PageSize is the number of items per list call (default 500, as
	// kubectl and client-go's pager use).
	PageSize int64
	// Concurrency is how many kinds are listed at once (default 4).
	Concurrency int
	// Progress, when set, hears of every page.
	Progress Progress
}

// Problem is a kind that could not be listed. The rest of the run goes on
// without it.
type Problem struct {
	Kind      Kind
	Verb      string
	Namespace string // "" when listing across namespaces
	Err       error
	// NotServed is true when the cluster does not serve the resource at
	// all (an older cluster); that is no gap in what palisade could read.
	NotServed bool
	// Forbidden is true when RBAC denied the call.
	Forbidden bool
}

func (p Problem) Error() string {
	where := "in all namespaces"
	switch {
	case !p.Kind.Namespaced:
		where = "(cluster-scoped)"
	case p.Namespace != "":
		where = "in namespace " + p.Namespace
	}
	if p.Verb == "read" {
		return fmt.Sprintf("could not read some %s objects: %v", p.Kind, p.Err)
	}
	what := "could not"
	switch {
	case p.Forbidden:
		what = "no permission to"
	case p.NotServed:
		what = "the cluster does not serve"
		return fmt.Sprintf("%s %s; skipped", what, p.Kind)
	}
	return fmt.Sprintf("%s %s %s %s, so none were checked: %v", what, p.Verb, p.Kind, where, shortErr(p.Err))
}

// shortErr drops the repetition in API errors ("pods is forbidden: User
// ... cannot list resource ...") down to the server's sentence.
func shortErr(err error) string {
	s := err.Error()
	if i := strings.Index(s, "User "); i >= 0 && apierrors.IsForbidden(err) {
		return s[i:]
	}
	return s
}

// List reads every kind with paginated list calls and returns what it
// read. Kinds that fail are returned as problems; only a cancelled context
// or an unusable client configuration is an error.
func List(ctx context.Context, cfg *rest.Config, contextName string, kinds []Kind, opts ListOptions) (*Snapshot, []Problem, error) {
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("client: %w", err)
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 500
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	var (
		items    = make([][]*Item, len(kinds))
		problems = make([]*Problem, len(kinds))
		g        errgroup.Group
		mu       sync.Mutex // guards Progress
	)
	g.SetLimit(opts.Concurrency)
	for i, k := range kinds {
		g.Go(func() error {
			var p *Problem
			items[i], p = listKind(ctx, client, contextName, k, opts, func(n int, remaining int64) {
				if opts.Progress != nil {
					mu.Lock()
					opts.Progress.Listed(k.Kind, n, remaining)
					mu.Unlock()
				}
			})
			problems[i] = p
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	snap := newSnapshot(contextName)
	snap.Scope = opts.Namespace
	var out []Problem
	for i := range kinds {
		for _, it := range items[i] {
			snap.add(it)
		}
		if problems[i] != nil {
			out = append(out, *problems[i])
		}
	}
	return snap, out, nil
}

// listKind lists one kind page by page; each page is converted and its
// bulky bookkeeping dropped before the next is read.
func listKind(ctx context.Context, client dynamic.Interface, contextName string, k Kind, opts ListOptions, page func(n int, remaining int64)) ([]*Item, *Problem) {
	var ri dynamic.ResourceInterface = client.Resource(k.Resource)
	lo := metav1.ListOptions{}
	switch {
	case k.Namespaced && opts.Namespace != "":
		ri = client.Resource(k.Resource).Namespace(opts.Namespace)
	case k.Kind == "Namespace" && opts.Namespace != "":
		// Still a list call, so list is the only verb palisade needs.
		lo.FieldSelector = fields.OneTermEqualSelector("metadata.name", opts.Namespace).String()
	}
	p := pager.New(func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		l, err := ri.List(ctx, o)
		if err == nil {
			var rem int64
			if l.GetRemainingItemCount() != nil {
				rem = *l.GetRemainingItemCount()
			}
			page(len(l.Items), rem)
		}
		return l, err
	})
	p.PageSize = opts.PageSize
	var (
		out     []*Item
		convErr error
	)
	err := p.EachListItem(ctx, lo, func(obj runtime.Object) error {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return fmt.Errorf("unexpected list item %T", obj)
		}
		it, err := newItem(contextName, k, u)
		if err != nil {
			convErr = errors.Join(convErr, err)
			return nil
		}
		out = append(out, it)
		return nil
	})
	if err == nil && convErr != nil {
		return out, &Problem{Kind: k, Verb: "read", Namespace: opts.Namespace, Err: convErr}
	}
	if err == nil {
		return out, nil
	}
	if ctx.Err() != nil {
		return nil, nil
	}
	prob := &Problem{Kind: k, Verb: "list", Err: err,
		Forbidden: apierrors.IsForbidden(err), NotServed: apierrors.IsNotFound(err) || meta.IsNoMatchError(err)}
	if k.Namespaced {
		prob.Namespace = opts.Namespace
	}
	return out, prob
}

// dropped are annotations that only repeat the object (kubectl apply's
// copy of it), kept out of memory on large clusters.
var dropped = []string{"kubectl.kubernetes.io/last-applied-configuration"}

func newItem(contextName string, k Kind, u *unstructured.Unstructured) (*Item, error) {
	if u.GetKind() == "" {
		u.SetKind(k.Kind)
	}
	if u.GetAPIVersion() == "" {
		u.SetAPIVersion(k.APIVersion())
	}
	it := &Item{UID: u.GetUID()}
	if ref := metav1.GetControllerOfNoCopy(u); ref != nil {
		r := *ref
		it.Controller = &r
	}
	unstructured.RemoveNestedField(u.Object, "metadata", "managedFields")
	if ann := u.GetAnnotations(); len(ann) > 0 {
		for _, a := range dropped {
			if _, ok := ann[a]; ok {
				unstructured.RemoveNestedField(u.Object, "metadata", "annotations", a)
			}
		}
	}
	ns := u.GetNamespace()
	if k.Kind == "Namespace" {
		ns = u.GetName()
	}
	o, err := positioned(UnitName(contextName, ns), u.Object)
	if err != nil {
		return nil, fmt.Errorf("%s %s/%s: %w", k.Kind, u.GetNamespace(), u.GetName(), err)
	}
	it.Object = o
	return it, nil
}

// positioned builds the object from its content; it has no positions, so
// its findings carry no line (Source.Line is 0), and the engine's field
// locators answer from the content.
func positioned(unit string, content map[string]any) (*manifest.Object, error) {
	return manifest.NewObject(content, manifest.Source{File: unit})
}

// UnitName is the "file" a cluster object is reported under: one per
// namespace ("cluster:CONTEXT/NAMESPACE", the Namespace object included)
// and one for cluster-scoped objects ("cluster:CONTEXT").
func UnitName(contextName, namespace string) string {
	if namespace == "" {
		return "cluster:" + contextName
	}
	return "cluster:" + contextName + "/" + namespace
}
