// Package inventory is what one run knows about the objects under
// evaluation beyond the object at hand: today the namespaces and their Pod
// Security labels, which decide the level each workload is judged at.
package inventory

import (
	"fmt"
	"slices"
	"sync"

	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/manifest"
)

// Namespace is a Namespace object seen in the input.
type Namespace struct {
	Name   string
	Labels map[string]string
	Source manifest.Source
}

// Inventory is safe for concurrent use.
type Inventory struct {
	mu         sync.RWMutex
	namespaces map[string]Namespace
	resources  int
}

// New returns an empty inventory.
func New() *Inventory { return &Inventory{namespaces: map[string]Namespace{}} }

// IsNamespace reports whether obj is a core Namespace.
func IsNamespace(o *manifest.Object) bool { return o.Kind == "Namespace" && o.APIVersion == "v1" }

// Add records what later evaluation needs from obj; it keeps no content.
func (inv *Inventory) Add(o *manifest.Object) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.resources++
	if IsNamespace(o) {
		inv.namespaces[o.Name] = Namespace{Name: o.Name, Labels: o.Labels, Source: o.Source}
	}
}

// AddNamespace records a Namespace without counting it as a resource
// (used by the scan's first pass, which sees namespaces ahead of time).
func (inv *Inventory) AddNamespace(o *manifest.Object) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.namespaces[o.Name] = Namespace{Name: o.Name, Labels: o.Labels, Source: o.Source}
}

// Resources counts the objects added.
func (inv *Inventory) Resources() int {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return inv.resources
}

// Namespaces lists the names of the namespaces seen, sorted.
func (inv *Inventory) Namespaces() []string {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	out := make([]string, 0, len(inv.namespaces))
	for n := range inv.namespaces {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Namespace returns the namespace object named ns, if the input had it.
func (inv *Inventory) Namespace(ns string) (Namespace, bool) {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	n, ok := inv.namespaces[ns]
	return n, ok
}

// EnforcePolicy is the level and version admission would enforce for a pod
// in ns: the namespace's enforce labels when the Namespace is known, else
// defaults. It delegates to upstream's api.PolicyToEvaluate, so invalid
// label values fall back exactly as Pod Security Admission falls back; they
// are returned as errors so the user learns of them.
func (inv *Inventory) EnforcePolicy(ns string, defaults api.Policy) (api.LevelVersion, []finding.Error) {
	n, ok := inv.Namespace(ns)
	if !ok {
		return defaults.Enforce, nil
	}
	p, errs := api.PolicyToEvaluate(n.Labels, defaults)
	var out []finding.Error
	for _, e := range errs {
		out = append(out, finding.Error{File: n.Source.File, Line: n.Source.Line,
			Message: fmt.Sprintf("Namespace %s: %v", n.Name, e)})
	}
	return p.Enforce, out
}
