package pss

import (
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
)

// TestCasesVersions: verdicts that change with the Pod Security version.
func TestCasesVersions(t *testing.T) {
	var cases []csCase
	one := func(name, lv, in, kind, objName, spec string, pod func() csPod, at ...string) {
		cases = append(cases, csCase{name: name, lv: lv, in: in, objs: []csObj{
			{kind: kind, name: objName, spec: spec, pod: pod, at: at}}})
	}

	// Windows pods: from v1.25 restricted no longer asks them for
	// allowPrivilegeEscalation, capabilities or seccomp (the fields are
	// invalid on Windows); hostProcess stays forbidden.
	for _, lv := range []string{"restricted v1.24", "restricted v1.25", "restricted latest", "baseline v1.24"} {
		var at []string
		if lv == "restricted v1.24" {
			for i, m := range []string{"<c0>", "<c1>"} {
				at = append(at,
					fmt.Sprintf("allowPrivilegeEscalation {S}.containers[%d].securityContext.allowPrivilegeEscalation %s", i, m),
					fmt.Sprintf("capabilities_restricted {S}.containers[%d].securityContext.capabilities.drop %s", i, m),
					fmt.Sprintf("seccompProfile_restricted {S}.containers[%d].securityContext.seccompProfile.type %s", i, m))
			}
		}
		at = append(at, "windowsHostProcess {S}.containers[1].securityContext.windowsOptions.hostProcess <c1>")
		one("Windows/"+lv, lv, csWindows, "Deployment", "win", "spec.template.spec", csWindowsPod, at...)
	}

	// hostUsers: false relaxes runAsNonRoot, runAsUser (restricted) and
	// procMount (baseline) from v1.35, but procMount_restricted then keeps
	// the unmasked /proc forbidden at restricted.
	userns := func(hostUsers bool) (string, func() csPod) {
		return fmt.Sprintf(csUserNS, hostUsers), func() csPod {
			return csPod{spec: corev1.PodSpec{HostUsers: new(hostUsers),
				SecurityContext: &corev1.PodSecurityContext{RunAsUser: new(int64(0)),
					SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
				Containers: []corev1.Container{{Name: "app", SecurityContext: &corev1.SecurityContext{
					AllowPrivilegeEscalation: new(false), Capabilities: csCaps(nil, "ALL"), ProcMount: new(corev1.UnmaskedProcMount)}}}}}
		}
	}
	rootAt := []string{"runAsNonRoot {S}.containers[0].securityContext.runAsNonRoot <pm>", "runAsUser {S}.securityContext.runAsUser <uid>"}
	in, pod := userns(false)
	one("HostUsersFalse/restricted_v1.34", "restricted v1.34", in, "Pod", "userns", "spec", pod,
		append(rootAt, "procMount {S}.containers[0].securityContext.procMount <pm>")...)
	one("HostUsersFalse/restricted_v1.35", "restricted v1.35", in, "Pod", "userns", "spec", pod,
		"procMount_restricted {S}.containers[0].securityContext.procMount <pm>")
	one("HostUsersFalse/restricted_latest", "restricted latest", in, "Pod", "userns", "spec", pod,
		"procMount_restricted {S}.containers[0].securityContext.procMount <pm>")
	one("HostUsersFalse/baseline_v1.34", "baseline v1.34", in, "Pod", "userns", "spec", pod,
		"procMount {S}.containers[0].securityContext.procMount <pm>")
	one("HostUsersFalse/baseline_v1.35", "baseline v1.35", in, "Pod", "userns", "spec", pod)
	in, pod = userns(true)
	one("HostUsersTrue/restricted_v1.35", "restricted v1.35", in, "Pod", "userns", "spec", pod,
		append(rootAt, "procMount_restricted {S}.containers[0].securityContext.procMount <pm>")...)
	one("HostUsersTrue/baseline_v1.35", "baseline v1.35", in, "Pod", "userns", "spec", pod,
		"procMount {S}.containers[0].securityContext.procMount <pm>")

	// The sysctl allow-list grows at v1.27, v1.29, v1.32 and v1.37.
	for _, s := range []struct {
		version string
		allowed int // sysctls[0..allowed) are allowed
	}{{"v1.26", 1}, {"v1.27", 2}, {"v1.28", 2}, {"v1.29", 3}, {"v1.31", 3}, {"v1.32", 4}, {"v1.36", 4}, {"v1.37", 6}, {"latest", 6}} {
		var at []string
		for i := s.allowed; i < 7; i++ {
			at = append(at, fmt.Sprintf("sysctls {S}.securityContext.sysctls[%d].name <s%d>", i, i))
		}
		one("Sysctls/"+s.version, "baseline "+s.version, csSysctls, "CronJob", "tune", "spec.jobTemplate.spec.template.spec", csSysctlsPod, at...)
	}

	// Deprecated seccomp annotations count up to v1.18, AppArmor ones at
	// every version, and only on the pod template: admission evaluates
	// the template, not the workload's own metadata.
	for _, v := range []string{"v1.0", "v1.18", "v1.19", "latest"} {
		at := []string{"appArmorProfile {M}.annotations[container.apparmor.security.beta.kubernetes.io/app] <aa>"}
		if v == "v1.0" || v == "v1.18" {
			at = append(at,
				"seccompProfile_baseline {M}.annotations[seccomp.security.alpha.kubernetes.io/pod] <sp>",
				"seccompProfile_baseline {M}.annotations[container.seccomp.security.alpha.kubernetes.io/app] <sc>")
		}
		cases = append(cases, csCase{name: "Annotations/" + v, lv: "baseline " + v, in: csAnnotations, objs: []csObj{
			{kind: "Deployment", name: "on-template", spec: "spec.template.spec", pod: csAnnotationsPod, at: at},
			{kind: "Deployment", name: "on-object", spec: "spec.template.spec", pod: func() csPod {
				return csPod{spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}}}
			}},
		}})
	}

	// A volume with no source is stored as an emptyDir, which restricted
	// allows; hostPath and nfs are not.
	one("Volumes/baseline", "baseline latest", csVolumes, "StatefulSet", "db", "spec.template.spec", csVolumesPod,
		"hostPathVolumes {S}.volumes[2].hostPath <host>")
	one("Volumes/restricted", "restricted latest", csVolumes, "StatefulSet", "db", "spec.template.spec", csVolumesPod,
		"restrictedVolumes {S}.volumes[2].hostPath <host>", "restrictedVolumes {S}.volumes[3].nfs <nfs>")

	// A Pod with hostNetwork is stored with hostPort = containerPort
	// (SetDefaults_Pod), so hostPorts fails too; the fields are absent from
	// the input, so their line is the port's.
	one("HostNetworkPod", "baseline latest", csHostNetworkPod, "Pod", "netpod", "spec", csHostNetworkPodPod,
		"hostNamespaces {S}.hostNetwork <hn>",
		"hostPorts {S}.initContainers[0].ports[0].hostPort <ip>",
		"hostPorts {S}.containers[0].ports[0].hostPort <p0>",
		"hostPorts {S}.containers[0].ports[1].hostPort <p1>")
	csRun(t, cases)
}

const csWindows = `apiVersion: apps/v1
kind: Deployment
metadata: {name: win}
spec:
  template:
    spec:
      os: {name: windows}
      securityContext: {runAsNonRoot: true}
      containers:
      - name: iis # <c0>
        image: mcr.microsoft.com/windows/servercore/iis
      - name: host-agent
        securityContext: {windowsOptions: {hostProcess: true}} # <c1>
`

func csWindowsPod() csPod {
	return csPod{spec: corev1.PodSpec{
		OS:              &corev1.PodOS{Name: corev1.Windows},
		SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: new(true)},
		Containers: []corev1.Container{
			{Name: "iis", Image: "mcr.microsoft.com/windows/servercore/iis"},
			{Name: "host-agent", SecurityContext: &corev1.SecurityContext{
				WindowsOptions: &corev1.WindowsSecurityContextOptions{HostProcess: new(true)}}},
		},
	}}
}

const csUserNS = `apiVersion: v1
kind: Pod
metadata: {name: userns}
spec:
  hostUsers: %t
  securityContext: {runAsUser: 0, seccompProfile: {type: RuntimeDefault}} # <uid>
  containers:
  - name: app
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, procMount: Unmasked} # <pm>
`

const csSysctls = `apiVersion: batch/v1
kind: CronJob
metadata: {name: tune}
spec:
  schedule: "@hourly"
  jobTemplate:
    spec:
      template:
        spec:
          securityContext:
            sysctls:
            - {name: net.ipv4.ip_unprivileged_port_start, value: "0"} # <s0>
            - {name: net.ipv4.ip_local_reserved_ports, value: "8080"} # <s1>
            - {name: net.ipv4.tcp_keepalive_time, value: "600"} # <s2>
            - {name: net.ipv4.tcp_rmem, value: "4096 87380 6291456"} # <s3>
            - {name: net.ipv4.tcp_slow_start_after_idle, value: "0"} # <s4>
            - {name: net.ipv4.tcp_notsent_lowat, value: "16384"} # <s5>
            - {name: kernel.msgmax, value: "65536"} # <s6>
          containers:
          - {name: app}
`

func csSysctlsPod() csPod {
	var s []corev1.Sysctl
	for _, kv := range [][2]string{{"net.ipv4.ip_unprivileged_port_start", "0"}, {"net.ipv4.ip_local_reserved_ports", "8080"},
		{"net.ipv4.tcp_keepalive_time", "600"}, {"net.ipv4.tcp_rmem", "4096 87380 6291456"},
		{"net.ipv4.tcp_slow_start_after_idle", "0"}, {"net.ipv4.tcp_notsent_lowat", "16384"}, {"kernel.msgmax", "65536"}} {
		s = append(s, corev1.Sysctl{Name: kv[0], Value: kv[1]})
	}
	return csPod{spec: corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{Sysctls: s},
		Containers: []corev1.Container{{Name: "app"}}}}
}

const csAnnotations = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: on-template
spec:
  template:
    metadata:
      annotations:
        seccomp.security.alpha.kubernetes.io/pod: unconfined # <sp>
        container.seccomp.security.alpha.kubernetes.io/app: unconfined # <sc>
        container.seccomp.security.alpha.kubernetes.io/sidecar: runtime/default
        container.apparmor.security.beta.kubernetes.io/app: unconfined # <aa>
        container.apparmor.security.beta.kubernetes.io/sidecar: runtime/default
    spec:
      containers:
      - {name: app}
      - {name: sidecar}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: on-object
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: unconfined
    container.seccomp.security.alpha.kubernetes.io/app: unconfined
    container.apparmor.security.beta.kubernetes.io/app: unconfined
spec:
  template:
    spec:
      containers:
      - {name: app}
`

func csAnnotationsPod() csPod {
	return csPod{
		meta: metav1.ObjectMeta{Annotations: map[string]string{
			"seccomp.security.alpha.kubernetes.io/pod":               "unconfined",
			"container.seccomp.security.alpha.kubernetes.io/app":     "unconfined",
			"container.seccomp.security.alpha.kubernetes.io/sidecar": "runtime/default",
			"container.apparmor.security.beta.kubernetes.io/app":     "unconfined",
			"container.apparmor.security.beta.kubernetes.io/sidecar": "runtime/default",
		}},
		spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}, {Name: "sidecar"}}},
	}
}

const csVolumes = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  template:
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: db
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
      volumes:
      - name: scratch
      - name: config
        configMap: {name: db}
      - name: host
        hostPath: {path: /data, type: DirectoryOrCreate} # <host>
      - name: share
        nfs: {server: nfs.local, path: /export} # <nfs>
`

func csVolumesPod() csPod {
	return csPod{spec: corev1.PodSpec{
		SecurityContext: csRestrictedPodSC(),
		Containers:      []corev1.Container{{Name: "db", SecurityContext: csRestrictedSC()}},
		Volumes:         csVolumeList(true),
	}}
}

// csVolumeList is the volumes of csVolumes as stored (defaulted) or as
// written.
func csVolumeList(defaulted bool) []corev1.Volume {
	scratch := corev1.VolumeSource{}
	if defaulted {
		scratch.EmptyDir = &corev1.EmptyDirVolumeSource{}
	}
	return []corev1.Volume{
		{Name: "scratch", VolumeSource: scratch},
		{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "db"}}}},
		{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{
			Path: "/data", Type: new(corev1.HostPathDirectoryOrCreate)}}},
		{Name: "share", VolumeSource: corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{Server: "nfs.local", Path: "/export"}}},
	}
}

const csHostNetworkPod = `apiVersion: v1
kind: Pod
metadata: {name: netpod}
spec:
  hostNetwork: true # <hn>
  initContainers:
  - name: init
    ports:
    - containerPort: 9000 # <ip>
  containers:
  - name: app
    ports:
    - containerPort: 80 # <p0>
    - {containerPort: 443, hostPort: 443} # <p1>
`

func csHostNetworkPodPod() csPod { return csHostNetworkSpec(true) }

// csHostNetworkSpec is csHostNetworkPod as stored (hostPort defaulted) or
// as written.
func csHostNetworkSpec(defaulted bool) csPod {
	port := func(c, h int32) []corev1.ContainerPort {
		if defaulted && h == 0 {
			h = c
		}
		return []corev1.ContainerPort{{ContainerPort: c, HostPort: h, Protocol: corev1.ProtocolTCP}}
	}
	return csPod{spec: corev1.PodSpec{HostNetwork: true,
		InitContainers: []corev1.Container{{Name: "init", Ports: port(9000, 0)}},
		Containers:     []corev1.Container{{Name: "app", Ports: append(port(80, 0), port(443, 443)...)}},
	}}
}

// TestCasesDefaultingMatters proves the two defaulting cases above test
// something: upstream judges the pod as written differently from the pod
// as stored, and palisade follows the stored one.
func TestCasesDefaultingMatters(t *testing.T) {
	latest := func(l api.Level) api.LevelVersion { return api.LevelVersion{Level: l, Version: api.LatestVersion()} }
	written := csVolumesPod()
	written.spec.Volumes = csVolumeList(false)
	for _, c := range []struct {
		name            string
		lv              api.LevelVersion
		written, stored csPod
	}{
		{"sourceless volume", latest(api.LevelRestricted), written, csVolumesPod()},
		{"hostNetwork pod", latest(api.LevelBaseline), csHostNetworkSpec(false), csHostNetworkSpec(true)},
	} {
		_, w := csUpstream(t, c.lv, &c.written.meta, &c.written.spec)
		_, s := csUpstream(t, c.lv, &c.stored.meta, &c.stored.spec)
		if slices.Equal(w, s) {
			t.Errorf("%s: defaulting changes nothing upstream: %q", c.name, w)
		}
	}
}

// TestCasesHostNetworkTemplate: since Kubernetes v1.28 the API server
// defaults hostPort to containerPort only in Pods (SetDefaults_Pod); pod
// templates are stored without it (feature gate
// DefaultHostNetworkHostPortsInPodTemplates, off from v1.28, removed in
// v1.31). Admission of this Deployment sees no hostPort and reports only
// hostNamespaces. (Its pods are then defaulted and also fail hostPorts, but
// they fail hostNamespaces at the same level anyway.)
func TestCasesHostNetworkTemplate(t *testing.T) {
	csRun(t, []csCase{{name: "Deployment", lv: "baseline latest", in: `apiVersion: apps/v1
kind: Deployment
metadata: {name: netdeploy}
spec:
  template:
    spec:
      hostNetwork: true # <dn>
      containers:
      - name: app
        ports:
        - containerPort: 80
`, objs: []csObj{{kind: "Deployment", name: "netdeploy", spec: "spec.template.spec", pod: func() csPod {
		return csPod{spec: corev1.PodSpec{HostNetwork: true, Containers: []corev1.Container{{Name: "app",
			Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}}}}}}
	}, at: []string{"hostNamespaces {S}.hostNetwork <dn>"}}}}})
}
