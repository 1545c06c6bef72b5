// Package checks holds the built-in best-practice checks: the hardening
// practices of the GKE and EKS guides and the Kubernetes security docs,
// beyond the Pod Security Standards. One file per check; All lists them.
package checks

import (
	"fmt"
	"path"
	"reflect"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/workload"
)

// Violation is one failure of a check on one object: the field path (as
// field.Path prints it, with the workload prefix) and a one-line message
// naming that field.
type Violation struct {
	Path    string
	Message string
}

// Object is what a check looks at: the object, and its pod when it runs pods.
type Object struct {
	*manifest.Object
	// Workload is nil for kinds that run no pods.
	Workload *workload.Workload
	// typed memoises conversions of Content (As).
	typed map[reflect.Type]any
}

// Context is what every check may read besides the object.
type Context struct {
	Inventory *inventory.Inventory
	Params    *config.CheckParams
}

// Check is one built-in check.
type Check struct {
	ID       string
	Title    string
	Severity finding.Severity
	// Rationale says why, and names its source (GKE/EKS guide, Kubernetes
	// docs, CIS section).
	Rationale   string
	Remediation string
	// Kinds limits the check to these kinds; empty means every kind.
	// Workload checks use Workloads instead.
	Kinds []string
	// Workloads runs the check on every object that runs pods.
	Workloads bool
	// Needs documents, for cross-resource checks, what the input must hold
	// for the check to fire.
	Needs string
	Run   func(ctx *Context, o *Object) []Violation
}

// Applies reports whether the check looks at o.
func (c *Check) Applies(o *Object) bool {
	if c.Workloads && o.Workload != nil {
		return true
	}
	return slices.Contains(c.Kinds, o.Kind)
}

// Rule is the check's metadata in the shared rule shape.
func (c *Check) Rule() finding.Rule {
	r := c.Rationale
	if c.Needs != "" {
		r += " Fires only when " + c.Needs + "."
	}
	return finding.Rule{
		ID:          c.ID,
		Standard:    finding.StandardBestPractice,
		Severity:    c.Severity,
		Title:       c.Title,
		Rationale:   r,
		Remediation: c.Remediation,
	}
}

// Container is one container of a workload with its full field path.
type Container struct {
	Path string // e.g. "spec.template.spec.initContainers[1]"
	*corev1.Container
	// Kind is "container", "init container" or "ephemeral container".
	Kind string
}

// Containers lists every container of w: init, regular, ephemeral.
func Containers(w *workload.Workload) []Container {
	var out []Container
	workload.Containers(w.Spec, func(p string, c *corev1.Container) {
		kind := "container"
		switch p[0] {
		case 'i':
			kind = "init container"
		case 'e':
			kind = "ephemeral container"
		}
		out = append(out, Container{Path: w.SpecPrefix + "." + p, Container: c, Kind: kind})
	})
	return out
}

// Describe names a container in messages: `container "app"`.
func (c Container) Describe() string { return fmt.Sprintf("%s %q", c.Kind, c.Name) }

// Glob reports whether s matches any of the path.Match patterns.
func Glob(patterns []string, s string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}
