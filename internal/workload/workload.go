// Package workload finds the pod an object runs: its metadata, its spec and
// the field path of that spec inside the object.
package workload

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/palisade-dev/palisade/internal/manifest"
)

// Workload is the pod an object produces.
type Workload struct {
	Object *manifest.Object
	// Meta is the pod's metadata (the pod template's, for controllers).
	Meta *metav1.ObjectMeta
	Spec *corev1.PodSpec
	// MetaPrefix and SpecPrefix are the field paths of Meta and Spec in the
	// object, e.g. "spec.template.metadata" and "spec.template.spec".
	MetaPrefix string
	SpecPrefix string
}

// kinds mirrors upstream's DefaultPodSpecExtractor: the kinds Pod Security
// Admission evaluates, and where their pod template sits.
var kinds = map[string]struct{ group, template string }{
	"Pod":                   {"", ""},
	"ReplicationController": {"", "spec.template"},
	"PodTemplate":           {"", "template"},
	"ReplicaSet":            {"apps", "spec.template"},
	"Deployment":            {"apps", "spec.template"},
	"StatefulSet":           {"apps", "spec.template"},
	"DaemonSet":             {"apps", "spec.template"},
	"Job":                   {"batch", "spec.template"},
	"CronJob":               {"batch", "spec.jobTemplate.spec.template"},
}

// Kinds lists the kinds that run pods.
func Kinds() []string {
	out := make([]string, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	return out
}

// IsWorkloadKind reports whether objects of this group and kind run pods.
func IsWorkloadKind(apiVersion, kind string) bool {
	k, ok := kinds[kind]
	return ok && group(apiVersion) == k.group
}

func group(apiVersion string) string {
	if i := strings.IndexByte(apiVersion, '/'); i >= 0 {
		return apiVersion[:i]
	}
	return ""
}

// Prefixes are the field paths of the pod metadata and spec inside an
// object of a workload kind, e.g. "spec.template.metadata" and
// "spec.template.spec"; a Pod's are "metadata" and "spec".
func Prefixes(kind string) (meta, spec string) {
	if t := kinds[kind].template; t != "" {
		return t + ".metadata", t + ".spec"
	}
	return "metadata", "spec"
}

// Extract returns the workload of obj. ok is false for kinds that run no
// pods (CRDs of the same name in another group included). An error means
// the object runs pods but its pod spec cannot be read as a PodSpec.
func Extract(obj *manifest.Object) (w *Workload, ok bool, err error) {
	k, known := kinds[obj.Kind]
	if !known || group(obj.APIVersion) != k.group {
		return nil, false, nil
	}
	w = &Workload{Object: obj, Meta: &metav1.ObjectMeta{}, Spec: &corev1.PodSpec{}}
	w.MetaPrefix, w.SpecPrefix = Prefixes(obj.Kind)
	if m, found, err := lookup(obj.Content, w.MetaPrefix); err != nil {
		return nil, true, err
	} else if found {
		if err := fromUnstructured(m, w.Meta, w.MetaPrefix); err != nil {
			return nil, true, err
		}
	}
	s, found, err := lookup(obj.Content, w.SpecPrefix)
	if err != nil {
		return nil, true, err
	}
	if found {
		if err := fromUnstructured(s, w.Spec, w.SpecPrefix); err != nil {
			return nil, true, err
		}
	}
	ApplyDefaults(w.Spec, k.template == "")
	return w, true, nil
}

// Template returns the raw pod metadata and spec of a workload object
// (empty maps when absent), for callers that need a field or two without
// converting the whole spec.
func Template(obj *manifest.Object) (meta, spec map[string]any) {
	mp, sp := Prefixes(obj.Kind)
	meta, _, _ = lookup(obj.Content, mp)
	spec, _, _ = lookup(obj.Content, sp)
	return meta, spec
}

func lookup(m map[string]any, path string) (map[string]any, bool, error) {
	cur := m
	for _, seg := range strings.Split(path, ".") {
		v, ok := cur[seg]
		if !ok || v == nil {
			return nil, false, nil
		}
		next, ok := v.(map[string]any)
		if !ok {
			return nil, false, fmt.Errorf("%s must be a mapping", path)
		}
		cur = next
	}
	return cur, true, nil
}

func fromUnstructured(m map[string]any, into any, path string) error {
	err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, into)
	if err == nil {
		return nil
	}
	// The converter's errors name no field; encoding/json's do, so it is
	// asked again on this (rare) path for a message a user can act on.
	if b, merr := json.Marshal(m); merr == nil {
		var ute *json.UnmarshalTypeError
		if jerr := json.Unmarshal(b, into); errors.As(jerr, &ute) {
			return fmt.Errorf("%s.%s: cannot use %s as %s", path, ute.Field, ute.Value, ute.Type)
		}
	}
	return fmt.Errorf("%s: %v", path, err)
}

// ApplyDefaults applies the API server's defaulting where it can change a
// Pod Security verdict, so a manifest is judged as admission would judge
// the object it becomes (k8s.io/kubernetes pkg/apis/core/v1 defaults.go).
// isPod says whether spec is a Pod's own spec rather than a template's.
func ApplyDefaults(spec *corev1.PodSpec, isPod bool) {
	for i := range spec.Volumes {
		// SetDefaults_Volume: a volume with no source is an emptyDir.
		if (spec.Volumes[i].VolumeSource == corev1.VolumeSource{}) {
			spec.Volumes[i].EmptyDir = &corev1.EmptyDirVolumeSource{}
		}
	}
	if isPod && spec.HostNetwork {
		// SetDefaults_Pod: with hostNetwork, hostPort defaults to
		// containerPort. Since v1.28 this no longer happens in pod
		// templates (DefaultHostNetworkHostPortsInPodTemplates, removed
		// in v1.31), and ephemeral containers may not declare ports.
		defaultHostPorts := func(ports []corev1.ContainerPort) {
			for j := range ports {
				if ports[j].HostPort == 0 {
					ports[j].HostPort = ports[j].ContainerPort
				}
			}
		}
		for i := range spec.InitContainers {
			defaultHostPorts(spec.InitContainers[i].Ports)
		}
		for i := range spec.Containers {
			defaultHostPorts(spec.Containers[i].Ports)
		}
	}
}

// Containers calls fn for every container with its field path relative to
// the pod spec, in the order upstream visits them: init, regular, ephemeral.
func Containers(spec *corev1.PodSpec, fn func(path string, c *corev1.Container)) {
	// Plain concatenation: this runs for every container of every check.
	for i := range spec.InitContainers {
		fn("initContainers["+strconv.Itoa(i)+"]", &spec.InitContainers[i])
	}
	for i := range spec.Containers {
		fn("containers["+strconv.Itoa(i)+"]", &spec.Containers[i])
	}
	for i := range spec.EphemeralContainers {
		fn("ephemeralContainers["+strconv.Itoa(i)+"]", (*corev1.Container)(&spec.EphemeralContainers[i].EphemeralContainerCommon))
	}
}
