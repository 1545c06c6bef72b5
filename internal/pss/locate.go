package pss

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/policy"

	"github.com/palisade-dev/palisade/internal/workload"
)

// A locator names the fields behind a failed check. It never decides a
// verdict: it asks the same upstream check function about one part of the
// pod at a time (the pod-level fields, one container, one volume, one
// annotation, one sysctl) and reports the fields of the parts that fail.
type locator struct {
	// pod lists candidate fields relative to the pod spec.
	pod []string
	// container returns the offending fields of a container that fails on
	// its own, relative to the container; fails re-asks upstream about a
	// modified copy of that container.
	container   func(c *corev1.Container, fails func(*corev1.Container) bool) []string
	volumes     bool
	annotations bool
	sysctls     bool
	// hostNamespaces reports the pod-level booleans that are true.
	hostNamespaces bool
}

func fields(fs ...string) func(*corev1.Container, func(*corev1.Container) bool) []string {
	return func(*corev1.Container, func(*corev1.Container) bool) []string { return fs }
}

// locators has one entry per upstream check ID; TestEveryCheckHasLocator
// fails when upstream adds a check without one here.
var locators = map[policy.CheckID]locator{
	"allowPrivilegeEscalation":   {container: fields("securityContext.allowPrivilegeEscalation")},
	"appArmorProfile":            {pod: []string{"securityContext.appArmorProfile.type"}, container: fields("securityContext.appArmorProfile.type"), annotations: true},
	"capabilities_baseline":      {container: fields("securityContext.capabilities.add")},
	"capabilities_restricted":    {container: capabilitiesRestricted},
	"hostNamespaces":             {hostNamespaces: true},
	"hostPathVolumes":            {volumes: true},
	"hostPorts":                  {container: hostPorts},
	"hostProbesAndHostLifecycle": {container: hostProbes},
	"privileged":                 {container: fields("securityContext.privileged")},
	"procMount":                  {container: fields("securityContext.procMount")},
	"procMount_restricted":       {container: fields("securityContext.procMount")},
	"restrictedVolumes":          {volumes: true},
	"runAsNonRoot":               {pod: []string{"securityContext.runAsNonRoot"}, container: fields("securityContext.runAsNonRoot")},
	"runAsUser":                  {pod: []string{"securityContext.runAsUser"}, container: fields("securityContext.runAsUser")},
	"seLinuxOptions":             {pod: []string{"securityContext.seLinuxOptions"}, container: fields("securityContext.seLinuxOptions")},
	"seccompProfile_baseline":    {pod: []string{"securityContext.seccompProfile.type"}, container: fields("securityContext.seccompProfile.type"), annotations: true},
	"seccompProfile_restricted":  {pod: []string{"securityContext.seccompProfile.type"}, container: fields("securityContext.seccompProfile.type")},
	"sysctls":                    {sysctls: true},
	"windowsHostProcess":         {pod: []string{"securityContext.windowsOptions.hostProcess"}, container: fields("securityContext.windowsOptions.hostProcess")},
}

// Locate returns the full field paths (with the workload prefix) behind r.
func Locate(w *workload.Workload, r Result) []string {
	l, ok := locators[r.ID]
	if !ok || r.fn == nil {
		return nil
	}
	fails := func(m *metav1.ObjectMeta, s *corev1.PodSpec) bool { return !r.fn(m, s).Allowed }
	sp := func(rel string) string { return w.SpecPrefix + "." + rel }
	present := func(rel string) bool { return w.Object.Has(sp(rel)) }

	bareMeta := *w.Meta
	bareMeta.Annotations = nil
	podOnly := *w.Spec
	podOnly.InitContainers, podOnly.Containers, podOnly.EphemeralContainers, podOnly.Volumes = nil, nil, nil, nil

	var paths []string
	podFails := fails(&bareMeta, &podOnly)
	if podFails {
		var got []string
		for _, f := range l.pod {
			if present(f) {
				got = append(got, sp(f))
			}
		}
		if len(got) == 0 && len(l.pod) > 0 {
			got = append(got, sp(l.pod[0]))
		}
		paths = append(paths, got...)
		if l.hostNamespaces {
			for _, f := range []struct {
				name string
				on   bool
			}{{"hostNetwork", w.Spec.HostNetwork}, {"hostPID", w.Spec.HostPID}, {"hostIPC", w.Spec.HostIPC}} {
				if f.on {
					paths = append(paths, sp(f.name))
				}
			}
		}
		if l.sysctls && w.Spec.SecurityContext != nil {
			for i, s := range w.Spec.SecurityContext.Sysctls {
				probe, sc := podOnly, *podOnly.SecurityContext
				sc.Sysctls = []corev1.Sysctl{s}
				probe.SecurityContext = &sc
				if fails(&bareMeta, &probe) {
					paths = append(paths, sp(fmt.Sprintf("securityContext.sysctls[%d].name", i)))
				}
			}
		}
	}
	if l.container != nil {
		// One probe pod for every probe of this call, refilled each time:
		// upstream's checks keep nothing, and a fresh pod and container
		// slice per probe were a twentieth of a scan's allocation.
		probe := new(corev1.PodSpec)
		one := make([]corev1.Container, 1)
		oneEphemeral := make([]corev1.EphemeralContainer, 1)
		workload.Containers(w.Spec, func(cpath string, c *corev1.Container) {
			failsAlone := func(c *corev1.Container) bool {
				*probe = podOnly
				switch cpath[0] {
				case 'i':
					one[0] = *c
					probe.InitContainers = one
				case 'c':
					one[0] = *c
					probe.Containers = one
				default:
					oneEphemeral[0] = corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon(*c)}
					probe.EphemeralContainers = oneEphemeral
				}
				return fails(&bareMeta, probe)
			}
			if !failsAlone(c) {
				return
			}
			for _, f := range l.container(c, failsAlone) {
				full := sp(cpath + "." + f)
				// When the pod-level fields already fail, a container that
				// merely inherits them is covered by the pod's path.
				if podFails && !w.Object.Has(full) {
					continue
				}
				paths = append(paths, full)
			}
		})
	}
	if l.volumes {
		for i, v := range w.Spec.Volumes {
			probe := podOnly
			probe.Volumes = []corev1.Volume{v}
			if !fails(&bareMeta, &probe) {
				continue
			}
			vp := sp(fmt.Sprintf("volumes[%d]", i))
			src := vp
			for _, k := range w.Object.Keys(vp) {
				if k != "name" {
					src = vp + "." + k
					break
				}
			}
			paths = append(paths, src)
		}
	}
	if l.annotations {
		// Annotations are judged against a pod whose containers set no
		// security context, so only the annotation can fail.
		probe := podOnly
		probe.SecurityContext = nil
		workload.Containers(w.Spec, func(cpath string, c *corev1.Container) {
			probe.Containers = append(probe.Containers, corev1.Container{Name: c.Name})
		})
		keys := make([]string, 0, len(w.Meta.Annotations))
		for k := range w.Meta.Annotations {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			m := bareMeta
			m.Annotations = map[string]string{k: w.Meta.Annotations[k]}
			if fails(&m, &probe) {
				paths = append(paths, fmt.Sprintf("%s.annotations[%s]", w.MetaPrefix, k))
			}
		}
	}
	return paths
}

func capabilitiesRestricted(c *corev1.Container, fails func(*corev1.Container) bool) []string {
	var out []string
	if c.SecurityContext == nil || c.SecurityContext.Capabilities == nil {
		return []string{"securityContext.capabilities.drop"}
	}
	withAdd := *c
	sc, caps := *c.SecurityContext, *c.SecurityContext.Capabilities
	caps.Add = nil
	sc.Capabilities = &caps
	withAdd.SecurityContext = &sc
	if fails(&withAdd) {
		out = append(out, "securityContext.capabilities.drop")
	}
	withDrop := *c
	sc2, caps2 := *c.SecurityContext, *c.SecurityContext.Capabilities
	caps2.Drop = []corev1.Capability{"ALL"}
	sc2.Capabilities = &caps2
	withDrop.SecurityContext = &sc2
	if fails(&withDrop) {
		out = append(out, "securityContext.capabilities.add")
	}
	return out
}

func hostPorts(c *corev1.Container, _ func(*corev1.Container) bool) []string {
	var out []string
	for j, p := range c.Ports {
		if p.HostPort != 0 {
			out = append(out, fmt.Sprintf("ports[%d].hostPort", j))
		}
	}
	return out
}

func hostProbes(c *corev1.Container, _ func(*corev1.Container) bool) []string {
	var out []string
	handler := func(name string, http *corev1.HTTPGetAction, tcp *corev1.TCPSocketAction) {
		if http != nil && http.Host != "" {
			out = append(out, name+".httpGet.host")
		}
		if tcp != nil && tcp.Host != "" {
			out = append(out, name+".tcpSocket.host")
		}
	}
	for _, p := range []struct {
		name string
		p    *corev1.Probe
	}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}} {
		if p.p != nil {
			handler(p.name, p.p.HTTPGet, p.p.TCPSocket)
		}
	}
	if c.Lifecycle != nil {
		if h := c.Lifecycle.PostStart; h != nil {
			handler("lifecycle.postStart", h.HTTPGet, h.TCPSocket)
		}
		if h := c.Lifecycle.PreStop; h != nil {
			handler("lifecycle.preStop", h.HTTPGet, h.TCPSocket)
		}
	}
	return out
}
