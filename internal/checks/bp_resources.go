package checks

import (
	corev1 "k8s.io/api/core/v1"
)

// bpMissingResource returns a Run function that reports every container
// (init and regular; ephemeral containers cannot set resources) with no
// resources.<kind>.<name>, kind being "requests" or "limits".
//
// What the API server or the pod provides counts as set: a missing request
// is defaulted to the container's limit, and pod-level resources
// (spec.resources, Kubernetes 1.32+) bound every container, so a pod that
// sets the same resource at pod level is not reported.
func bpMissingResource(kind string, name corev1.ResourceName) func(*Context, *Object) []Violation {
	has := func(r *corev1.ResourceRequirements) bool {
		if r == nil {
			return false
		}
		if _, ok := r.Limits[name]; ok {
			return true // a limit is also the default request
		}
		_, ok := r.Requests[name]
		return ok && kind == "requests"
	}
	return func(_ *Context, o *Object) []Violation {
		if has(o.Workload.Spec.Resources) {
			return nil
		}
		var out []Violation
		field := "resources." + kind + "." + string(name)
		for _, c := range bpResourceContainers(o) {
			if !has(&c.Resources) {
				out = append(out, bpContainerViolation(c, "."+field, "has no %s", field))
			}
		}
		return out
	}
}
