package policy

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// match is a constraint's spec.match, with Gatekeeper's semantics: every
// criterion given must hold; an absent criterion matches everything.
type match struct {
	matchSpec
	labels, namespaceLabels labels.Selector
}

// matchSpec is spec.match as written.
type matchSpec struct {
	Kinds []struct {
		APIGroups []string `json:"apiGroups"`
		Kinds     []string `json:"kinds"`
	} `json:"kinds"`
	Scope              string                `json:"scope"`
	Namespaces         []string              `json:"namespaces"`
	ExcludedNamespaces []string              `json:"excludedNamespaces"`
	LabelSelector      *metav1.LabelSelector `json:"labelSelector"`
	NamespaceSelector  *metav1.LabelSelector `json:"namespaceSelector"`
	Name               string                `json:"name"`
	// Source (Original, Generated, All) concerns Gatekeeper's expansion of
	// generator resources; every input here is an original.
	Source string `json:"source"`
}

func parseMatch(v any) (match, error) {
	var m match
	raw, ok := v.(map[string]any)
	if v != nil && !ok {
		return m, fmt.Errorf("must be a mapping")
	}
	if raw == nil {
		return m, nil
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(raw, &m.matchSpec, true); err != nil {
		return m, err
	}
	var err error
	if m.LabelSelector != nil {
		if m.labels, err = metav1.LabelSelectorAsSelector(m.LabelSelector); err != nil {
			return m, fmt.Errorf("labelSelector: %v", err)
		}
	}
	if m.NamespaceSelector != nil {
		if m.namespaceLabels, err = metav1.LabelSelectorAsSelector(m.NamespaceSelector); err != nil {
			return m, fmt.Errorf("namespaceSelector: %v", err)
		}
	}
	return m, nil
}

// subject is what matching needs to know about the object under review.
type subject struct {
	group, kind, name, namespace string
	labels                       map[string]string
	// namespaceLabels are the labels of the object's Namespace when the
	// run knows that Namespace (found false otherwise).
	namespaceLabels map[string]string
	namespaceFound  bool
}

func (s *subject) isNamespace() bool { return s.kind == "Namespace" && s.group == "" }

// matches reports whether the constraint applies to s. A namespaceSelector
// on an object whose Namespace the input does not hold does not match:
// nothing proves the selector selects it.
func (m *match) matches(s *subject) bool {
	if len(m.Kinds) > 0 {
		ok := false
		for _, k := range m.Kinds {
			if (len(k.Kinds) == 0 || contains(k.Kinds, "*") || contains(k.Kinds, s.kind)) &&
				(len(k.APIGroups) == 0 || contains(k.APIGroups, "*") || contains(k.APIGroups, s.group)) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	hasNamespace := s.namespace != ""
	switch m.Scope {
	case "Cluster":
		if !s.isNamespace() && hasNamespace {
			return false
		}
	case "Namespaced":
		if s.isNamespace() || !hasNamespace {
			return false
		}
	}
	ns := s.namespace
	if s.isNamespace() {
		ns = s.name
	}
	if ns != "" {
		if len(m.Namespaces) > 0 && !anyWildcard(m.Namespaces, ns) {
			return false
		}
		if anyWildcard(m.ExcludedNamespaces, ns) {
			return false
		}
	}
	if m.labels != nil && !m.labels.Matches(labels.Set(s.labels)) {
		return false
	}
	if m.namespaceLabels != nil {
		switch {
		case s.isNamespace():
			if !m.namespaceLabels.Matches(labels.Set(s.labels)) {
				return false
			}
		case !hasNamespace:
			// Cluster-scoped objects match any namespaceSelector.
		case !s.namespaceFound || !m.namespaceLabels.Matches(labels.Set(s.namespaceLabels)):
			return false
		}
	}
	return m.Name == "" || wildcard(m.Name, s.name)
}

// wildcard matches Gatekeeper's globs: an exact name, a prefix ("kube-*")
// or a suffix ("*-system").
func wildcard(pattern, s string) bool {
	switch {
	case pattern == "*":
		return true
	case strings.HasSuffix(pattern, "*"):
		return strings.HasPrefix(s, strings.TrimSuffix(pattern, "*"))
	case strings.HasPrefix(pattern, "*"):
		return strings.HasSuffix(s, strings.TrimPrefix(pattern, "*"))
	}
	return pattern == s
}

func anyWildcard(patterns []string, s string) bool {
	for _, p := range patterns {
		if wildcard(p, s) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
