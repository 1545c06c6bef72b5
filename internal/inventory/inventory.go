// Package inventory is what one run knows beyond the object at hand: the
// namespaces and their Pod Security labels, and the compact facts that
// cross-resource checks need (network policies, quotas, RBAC, the pods each
// namespace runs). It keeps facts, never whole inputs.
package inventory

import (
	"fmt"
	"slices"
	"sync"

	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/workload"
)

// Namespace is a Namespace object seen in the input.
type Namespace struct {
	Name        string
	Labels      map[string]string
	Annotations map[string]string
	Source      manifest.Source
}

// NetworkPolicy is a NetworkPolicy of the input with what the workloads
// of its namespace tell about it.
type NetworkPolicy struct {
	*networkingv1.NetworkPolicy
	selector labels.Selector // nil when podSelector is invalid
	// SelectsPods is true once a workload of the input runs pods it selects.
	SelectsPods bool
}

// Selects reports whether the policy's podSelector matches podLabels.
func (np *NetworkPolicy) Selects(podLabels map[string]string) bool {
	return np.selector != nil && np.selector.Matches(labels.Set(podLabels))
}

// Inventory is safe for concurrent use.
type Inventory struct {
	mu         sync.RWMutex
	namespaces map[string]Namespace
	resources  int

	// Cross-resource facts, filled by Learn during the scan's first pass.
	netpols     map[string][]*NetworkPolicy // by namespace
	limitRanges map[string]bool
	quotas      map[string]bool
	workloads   map[string]int                   // by namespace
	roles       map[string][]rbacv1.PolicyRule   // "Role/ns/name" or "ClusterRole/name"
	bindings    []*rbacv1.RoleBinding            // ClusterRoleBindings too (Namespace "")
	saBindings  map[string][]*rbacv1.RoleBinding // by ServiceAccount subject name
	refBindings map[string][]*rbacv1.RoleBinding // by roleRef "Kind/name"
	learntKinds map[string]bool
}

// New returns an empty inventory.
func New() *Inventory {
	return &Inventory{
		namespaces:  map[string]Namespace{},
		netpols:     map[string][]*NetworkPolicy{},
		limitRanges: map[string]bool{},
		quotas:      map[string]bool{},
		workloads:   map[string]int{},
		roles:       map[string][]rbacv1.PolicyRule{},
		saBindings:  map[string][]*rbacv1.RoleBinding{},
		refBindings: map[string][]*rbacv1.RoleBinding{},
		learntKinds: map[string]bool{},
	}
}

// IsNamespace reports whether obj is a core Namespace.
func IsNamespace(o *manifest.Object) bool { return o.Kind == "Namespace" && o.APIVersion == "v1" }

// LearnKinds are the kinds Learn records; the scan's first pass decodes only
// documents of these kinds (and workloads, when WantsWorkloads says so).
var LearnKinds = []string{
	"Namespace", "NetworkPolicy", "LimitRange", "ResourceQuota",
	"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding",
}

// Learn records the facts o contributes. It must see every object of the
// input before any cross-resource check runs. Facts are kept typed and
// compact, never as the object's generic content. An object that does not
// convert to its type is skipped here; the full pass reports it.
func (inv *Inventory) Learn(o *manifest.Object) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.learntKinds[o.Kind] = true
	const rbac = "rbac.authorization.k8s.io/v1"
	switch {
	case IsNamespace(o):
		inv.namespaces[o.Name] = Namespace{Name: o.Name, Labels: o.Labels, Annotations: o.Annotations, Source: o.Source}
	case o.Kind == "NetworkPolicy" && o.APIVersion == "networking.k8s.io/v1":
		var np networkingv1.NetworkPolicy
		if runtime.DefaultUnstructuredConverter.FromUnstructured(o.Content, &np) == nil {
			np.ManagedFields, np.Annotations = nil, nil
			sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
			if err != nil {
				sel = nil
			}
			inv.netpols[o.Namespace] = append(inv.netpols[o.Namespace], &NetworkPolicy{NetworkPolicy: &np, selector: sel})
		}
	case o.Kind == "LimitRange" && o.APIVersion == "v1":
		inv.limitRanges[o.Namespace] = true
	case o.Kind == "ResourceQuota" && o.APIVersion == "v1":
		inv.quotas[o.Namespace] = true
	case (o.Kind == "Role" || o.Kind == "ClusterRole") && o.APIVersion == rbac:
		var r rbacv1.ClusterRole
		if runtime.DefaultUnstructuredConverter.FromUnstructured(o.Content, &r) == nil {
			inv.roles[roleKey(o.Kind, o.Namespace, o.Name)] = r.Rules
		}
	case (o.Kind == "RoleBinding" || o.Kind == "ClusterRoleBinding") && o.APIVersion == rbac:
		var b rbacv1.RoleBinding
		if runtime.DefaultUnstructuredConverter.FromUnstructured(o.Content, &b) == nil {
			b.ManagedFields, b.Annotations, b.Labels = nil, nil, nil
			b.Kind = o.Kind
			inv.bindings = append(inv.bindings, &b)
			ref := b.RoleRef.Kind + "/" + b.RoleRef.Name
			inv.refBindings[ref] = append(inv.refBindings[ref], &b)
			for _, sub := range b.Subjects {
				// Listed once per binding, however many subjects share the name.
				if l := inv.saBindings[sub.Name]; sub.Kind == "ServiceAccount" && (len(l) == 0 || l[len(l)-1] != &b) {
					inv.saBindings[sub.Name] = append(l, &b)
				}
			}
		}
	default:
		if workload.IsWorkloadKind(o.APIVersion, o.Kind) {
			meta, _ := workload.Template(o)
			podLabels := map[string]string{}
			if ls, ok := meta["labels"].(map[string]any); ok {
				for k, v := range ls {
					podLabels[k], _ = v.(string)
				}
			}
			inv.learnWorkload(o.Namespace, podLabels)
		}
	}
}

// LearnWorkload records a workload read by manifest.SkimKinds, as Learn
// records a decoded one.
func (inv *Inventory) LearnWorkload(s manifest.Skim) {
	if !workload.IsWorkloadKind(s.APIVersion, s.Kind) {
		return
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.learntKinds[s.Kind] = true
	inv.learnWorkload(s.Namespace, s.PodLabels)
}

// learnWorkload runs after every NetworkPolicy is learnt, so what a
// workload tells is folded into counts and flags instead of being kept.
func (inv *Inventory) learnWorkload(ns string, podLabels map[string]string) {
	inv.workloads[ns]++
	for _, np := range inv.netpols[ns] {
		if !np.SelectsPods && np.Selects(podLabels) {
			np.SelectsPods = true
		}
	}
}

func roleKey(kind, ns, name string) string {
	if kind == "ClusterRole" {
		return "ClusterRole/" + name
	}
	return "Role/" + ns + "/" + name
}

// WantsWorkloads reports whether any check needs the workloads of namespaces: only
// when the input holds Namespaces or NetworkPolicies.
func (inv *Inventory) WantsWorkloads() bool {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return len(inv.namespaces) > 0 || len(inv.netpols) > 0
}

// Count records that one more object was scanned.
func (inv *Inventory) Count() {
	inv.mu.Lock()
	inv.resources++
	inv.mu.Unlock()
}

// Resources counts the objects scanned.
func (inv *Inventory) Resources() int {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return inv.resources
}

// Namespaces lists the names of the Namespace objects seen, sorted.
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

// Covers reports whether the input says enough about ns for
// namespace-level checks to fire: its Namespace object or at least one of
// its NetworkPolicies is in the input. Scanning one Deployment file alone
// then raises no namespace-level noise.
func (inv *Inventory) Covers(ns string) bool {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	_, hasNS := inv.namespaces[ns]
	return hasNS || len(inv.netpols[ns]) > 0
}

// NetworkPolicies returns the NetworkPolicies of ns. Callers must not
// modify them.
func (inv *Inventory) NetworkPolicies(ns string) []*NetworkPolicy {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return inv.netpols[ns]
}

// HasLimitRange and HasResourceQuota report what ns has in the input.
func (inv *Inventory) HasLimitRange(ns string) bool {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return inv.limitRanges[ns]
}

func (inv *Inventory) HasResourceQuota(ns string) bool {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return inv.quotas[ns]
}

// Workloads counts the workloads of ns in the input. It is known only once
// WantsWorkloads was true and workloads were learnt.
func (inv *Inventory) Workloads(ns string) int {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return inv.workloads[ns]
}

// Role returns the rules of a Role (kind "Role", ns set) or ClusterRole
// (kind "ClusterRole"), and whether the input held it.
func (inv *Inventory) Role(kind, ns, name string) ([]rbacv1.PolicyRule, bool) {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	r, ok := inv.roles[roleKey(kind, ns, name)]
	return r, ok
}

// HasRoles reports whether the input held any Role or ClusterRole.
func (inv *Inventory) HasRoles() bool {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return len(inv.roles) > 0
}

// Bindings lists the RoleBindings and ClusterRoleBindings of the input
// (TypeMeta.Kind tells which). Callers must not modify them.
func (inv *Inventory) Bindings() []*rbacv1.RoleBinding {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return inv.bindings
}

// ServiceAccountBindings lists the bindings with a ServiceAccount subject
// named name, in any namespace: every workload asks, and scanning all
// bindings for each made the check quadratic in large inputs.
func (inv *Inventory) ServiceAccountBindings(name string) []*rbacv1.RoleBinding {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return inv.saBindings[name]
}

// BindingsOf lists the bindings whose roleRef is kind/name, in any
// namespace.
func (inv *Inventory) BindingsOf(kind, name string) []*rbacv1.RoleBinding {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return inv.refBindings[kind+"/"+name]
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
