package checks

import (
	"fmt"
	"path"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

// bpSensitiveHostPaths are the host paths a pod must not mount: the path
// itself, anything below it, and any folder above it (which holds it).
// /var/run is a link to /run on current distributions, so both are listed.
var bpSensitiveHostPaths = []struct{ path, what string }{
	{"/var/run/docker.sock", "the Docker socket"},
	{"/run/docker.sock", "the Docker socket"},
	{"/var/run/containerd/containerd.sock", "the containerd socket"},
	{"/run/containerd/containerd.sock", "the containerd socket"},
	{"/var/run/crio/crio.sock", "the CRI-O socket"},
	{"/run/crio/crio.sock", "the CRI-O socket"},
	{"/var/run/dockershim.sock", "the dockershim socket"},
	{"/run/dockershim.sock", "the dockershim socket"},
	{"/var/run/cri-dockerd.sock", "the cri-dockerd socket"},
	{"/run/cri-dockerd.sock", "the cri-dockerd socket"},
	{"/var/run/podman/podman.sock", "the Podman socket"},
	{"/run/podman/podman.sock", "the Podman socket"},
	{"/etc", "the node's configuration, credentials and Kubernetes PKI"},
	{"/root", "root's home, with its SSH keys and kubeconfigs"},
	{"/home", "users' homes, with their SSH keys and kubeconfigs"},
	{"/var/lib/kubelet", "the kubelet's credentials and every pod's volumes and secrets"},
	{"/var/lib/etcd", "the etcd data, every Secret of the cluster"},
	{"/var/lib/docker", "the Docker state, every container's filesystem and config"},
	{"/var/lib/containerd", "the containerd state, every container's filesystem"},
	{"/var/lib/containers", "the CRI-O/Podman state, every container's filesystem"},
	{"/proc", "the host's processes and kernel settings"},
	{"/sys", "the host's kernel and device settings"},
	{"/dev", "the host's devices, raw disks included"},
	{"/boot", "the host's kernel and boot loader"},
}

// bpHarmlessHostPaths hold nothing sensitive and are commonly mounted: the
// path and anything below it, or, for an entry ending in "/", only what is
// strictly below it. The kubelet's plugin folders are the documented
// interface of CSI and device plugins (one folder per driver, and the
// registration sockets), not credentials.
var bpHarmlessHostPaths = []string{
	"/etc/localtime", "/etc/timezone", "/dev/null",
	"/var/lib/kubelet/plugins/", "/var/lib/kubelet/plugins_registry", "/var/lib/kubelet/device-plugins",
}

// bpWritableSensitiveHostPaths are sensitive only when some container mounts
// them writable.
var bpWritableSensitiveHostPaths = []struct{ path, what string }{
	{"/var/log", "the node's logs, where a symlink lets a pod read any host file through the kubelet's /logs endpoint"},
}

var bpSensitiveHostPath = Check{
	ID:       "bp/sensitive-host-path",
	Title:    "hostPath volume of a sensitive host path",
	Severity: finding.SeverityHigh,
	Rationale: "A hostPath volume of a container runtime socket, of the node's configuration, credentials or kernel " +
		"interfaces gives the pod control of the node: a runtime socket starts privileged containers even when " +
		"mounted read-only, /etc and /var/lib/kubelet hold node and pod credentials (Kubernetes docs: Volumes, " +
		"hostPath: access to the host filesystem can expose privileged system credentials, such as the kubelet's, " +
		"or privileged APIs, such as the container runtime socket; EKS Best Practices Guide, Security: Pod Security, \"Never run Docker in Docker or " +
		"mount the socket in the container\" and \"Restrict the use of hostPath\"). Reported paths, after path " +
		"cleaning: the sockets of Docker, containerd, CRI-O, dockershim, cri-dockerd and Podman under /run or " +
		"/var/run, /etc, /root, /home, /var/lib/kubelet, /var/lib/etcd, /var/lib/docker, /var/lib/containerd, " +
		"/var/lib/containers, /proc, /sys, /dev and /boot, anything below them and any folder above them " +
		"(/, /var, /run, /var/lib), except /etc/localtime, /etc/timezone, /dev/null and the kubelet's plugin " +
		"interfaces (a driver's folder below /var/lib/kubelet/plugins/, /var/lib/kubelet/plugins_registry and " +
		"/var/lib/kubelet/device-plugins); and /var/log (or below " +
		"or above) when a container mounts it writable, which lets a pod read any host file through the kubelet. " +
		"Pod Security baseline forbids every hostPath (pss/hostPathVolumes); this check names the ones that matter " +
		"most, for workloads exempted from it.",
	Remediation: "# use a Kubernetes API, a CSI driver or an emptyDir instead; if a host path is unavoidable:\n" +
		"volumes:\n- name: data\n  hostPath:\n    path: /var/lib/my-agent\n    type: Directory\n",
	Workloads: true,
	Run: func(_ *Context, o *Object) []Violation {
		var out []Violation
		for i, v := range o.Workload.Spec.Volumes {
			if v.HostPath == nil || !strings.HasPrefix(v.HostPath.Path, "/") {
				continue
			}
			p := path.Clean(v.HostPath.Path)
			what := bpHostPathRisk(p)
			if what == "" && bpHostPathWritable(o, v.Name) {
				for _, s := range bpWritableSensitiveHostPaths {
					if bpPathOverlaps(p, s.path) {
						what = bpDescribeOverlap(p, s.path, s.what) + ", mounted writable"
						break
					}
				}
			}
			if what != "" {
				out = append(out, bpPodViolation(o, fmt.Sprintf("volumes[%d].hostPath.path", i),
					"volume %q mounts host path %s: %s", v.Name, v.HostPath.Path, what))
			}
		}
		return out
	},
}

// bpHostPathRisk describes why the clean absolute path p is sensitive,
// or returns "".
func bpHostPathRisk(p string) string {
	for _, h := range bpHarmlessHostPaths {
		if p == h || strings.HasPrefix(p, strings.TrimSuffix(h, "/")+"/") {
			return ""
		}
	}
	if p == "/" {
		return "the node's whole filesystem"
	}
	for _, s := range bpSensitiveHostPaths {
		if bpPathOverlaps(p, s.path) {
			return bpDescribeOverlap(p, s.path, s.what)
		}
	}
	return ""
}

// bpPathOverlaps reports whether p is s, below s, or a folder above s.
func bpPathOverlaps(p, s string) bool {
	return p == s || strings.HasPrefix(p, s+"/") || p == "/" || strings.HasPrefix(s, p+"/")
}

func bpDescribeOverlap(p, s, what string) string {
	if p != s && !strings.HasPrefix(p, s+"/") {
		return fmt.Sprintf("it holds %s (%s)", s, what)
	}
	return what
}

// bpHostPathWritable reports whether a container mounts volume name without
// readOnly.
func bpHostPathWritable(o *Object, name string) bool {
	for _, c := range Containers(o.Workload) {
		for _, m := range c.VolumeMounts {
			if m.Name == name && !m.ReadOnly {
				return true
			}
		}
	}
	return false
}
