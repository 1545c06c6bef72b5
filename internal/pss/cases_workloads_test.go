package pss

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// csTemplate is one pod template, placed under every workload kind.
const csTemplate = `metadata:
  name: web
  labels: {app: web}
  annotations:
    container.apparmor.security.beta.kubernetes.io/app: unconfined # <aa>
spec:
  initContainers:
  - name: setup
    image: busybox
    securityContext: {privileged: true} # <priv>
  - name: tune
    image: busybox
    securityContext:
      capabilities:
        add: [NET_ADMIN] # <cap>
  containers:
  - name: app
    image: nginx
    ports:
    - containerPort: 80
      hostPort: 8080 # <hp>
  volumes:
  - name: sock
    hostPath: # <hpv>
      path: /var/run/docker.sock
`

func csTemplatePod() csPod {
	return csPod{
		meta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"app": "web"},
			Annotations: map[string]string{"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}},
		spec: corev1.PodSpec{
			InitContainers: []corev1.Container{
				{Name: "setup", Image: "busybox", SecurityContext: &corev1.SecurityContext{Privileged: new(true)}},
				{Name: "tune", Image: "busybox", SecurityContext: &corev1.SecurityContext{Capabilities: csCaps([]corev1.Capability{"NET_ADMIN"})}},
			},
			Containers: []corev1.Container{{Name: "app", Image: "nginx",
				Ports: []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080, Protocol: corev1.ProtocolTCP}}}},
			Volumes: []corev1.Volume{{Name: "sock",
				VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/run/docker.sock"}}}},
		},
	}
}

var csTemplateAt = []string{
	"appArmorProfile {M}.annotations[container.apparmor.security.beta.kubernetes.io/app] <aa>",
	"privileged {S}.initContainers[0].securityContext.privileged <priv>",
	"capabilities_baseline {S}.initContainers[1].securityContext.capabilities.add <cap>",
	"hostPorts {S}.containers[0].ports[0].hostPort <hp>",
	"hostPathVolumes {S}.volumes[0].hostPath <hpv>",
}

func TestCasesWorkloadKinds(t *testing.T) {
	kinds := []struct {
		apiVersion, kind string
		head             string // the object's lines above the template
		indent           int
		spec             string
	}{
		{"v1", "Pod", "", 0, "spec"},
		{"v1", "ReplicationController", "spec:\n  replicas: 1\n  template:\n", 4, "spec.template.spec"},
		{"apps/v1", "ReplicaSet", "spec:\n  selector: {matchLabels: {app: web}}\n  template:\n", 4, "spec.template.spec"},
		{"apps/v1", "Deployment", "spec:\n  selector: {matchLabels: {app: web}}\n  template:\n", 4, "spec.template.spec"},
		{"apps/v1", "StatefulSet", "spec:\n  serviceName: web\n  template:\n", 4, "spec.template.spec"},
		{"apps/v1", "DaemonSet", "spec:\n  template:\n", 4, "spec.template.spec"},
		{"batch/v1", "Job", "spec:\n  backoffLimit: 1\n  template:\n", 4, "spec.template.spec"},
		{"v1", "PodTemplate", "template:\n", 2, "template.spec"},
		{"batch/v1", "CronJob", "spec:\n  schedule: \"*/5 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n", 8,
			"spec.jobTemplate.spec.template.spec"},
	}
	var cases []csCase
	for _, k := range kinds {
		in := fmt.Sprintf("apiVersion: %s\nkind: %s\n", k.apiVersion, k.kind)
		if k.kind != "Pod" {
			in += "metadata:\n  name: web\n"
		}
		in += k.head + csIndent(csTemplate, k.indent)
		cases = append(cases, csCase{name: k.kind, lv: "baseline latest", in: in, objs: []csObj{
			{kind: k.kind, name: "web", spec: k.spec, pod: csTemplatePod, at: csTemplateAt}}})
	}
	cases = append(cases, csCase{name: "DeploymentJSON", lv: "baseline latest", in: csDeploymentJSON, objs: []csObj{
		{kind: "Deployment", name: "web", spec: "spec.template.spec", pod: csTemplatePod, at: []string{
			`appArmorProfile {M}.annotations[container.apparmor.security.beta.kubernetes.io/app] "container.apparmor`,
			`privileged {S}.initContainers[0].securityContext.privileged "privileged":`,
			`capabilities_baseline {S}.initContainers[1].securityContext.capabilities.add "NET_ADMIN"`,
			`hostPorts {S}.containers[0].ports[0].hostPort "hostPort":`,
			`hostPathVolumes {S}.volumes[0].hostPath "hostPath":`,
		}}}})
	csRun(t, cases)
}

// csDeploymentJSON is the Deployment of TestCasesWorkloadKinds as JSON.
const csDeploymentJSON = `{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {"name": "web"},
  "spec": {
    "selector": {"matchLabels": {"app": "web"}},
    "template": {
      "metadata": {
        "name": "web",
        "labels": {"app": "web"},
        "annotations": {
          "container.apparmor.security.beta.kubernetes.io/app": "unconfined"
        }
      },
      "spec": {
        "initContainers": [
          {"name": "setup", "image": "busybox", "securityContext": {"privileged": true}},
          {
            "name": "tune",
            "image": "busybox",
            "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}
          }
        ],
        "containers": [
          {
            "name": "app",
            "image": "nginx",
            "ports": [{"containerPort": 80, "hostPort": 8080}]
          }
        ],
        "volumes": [
          {"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}
        ]
      }
    }
  }
}
`

func TestCasesFiles(t *testing.T) {
	csRun(t, []csCase{
		{name: "List", lv: "baseline latest", in: `apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: api}
  spec:
    template:
      spec:
        hostPID: true # <pid>
        containers:
        - {name: api, image: api}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: settings}
  data: {privileged: "true"}
- apiVersion: v1
  kind: Pod
  metadata: {name: debug}
  spec:
    containers:
    - name: sh
      securityContext: {privileged: true} # <dbg>
`, objs: []csObj{
			{kind: "Deployment", name: "api", spec: "spec.template.spec", pod: func() csPod {
				return csPod{spec: corev1.PodSpec{HostPID: true, Containers: []corev1.Container{{Name: "api", Image: "api"}}}}
			}, at: []string{"hostNamespaces {S}.hostPID <pid>"}},
			{kind: "ConfigMap", name: "settings"},
			{kind: "Pod", name: "debug", spec: "spec", pod: func() csPod {
				return csPod{spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "sh",
					SecurityContext: &corev1.SecurityContext{Privileged: new(true)}}}}}
			}, at: []string{"privileged {S}.containers[0].securityContext.privileged <dbg>"}},
		}},
		{name: "DeploymentList", lv: "baseline latest", in: `apiVersion: apps/v1
kind: DeploymentList
metadata: {resourceVersion: "42"}
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: one}
  spec:
    template:
      spec:
        containers:
        - name: one
          securityContext:
            seccompProfile: {type: Unconfined} # <one>
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: two}
  spec:
    template:
      spec:
        securityContext:
          sysctls:
          - {name: kernel.shm_rmid_forced, value: "1"}
          - {name: kernel.msgmax, value: "65536"} # <two>
        containers:
        - {name: two}
`, objs: []csObj{
			{kind: "Deployment", name: "one", spec: "spec.template.spec", pod: func() csPod {
				return csPod{spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "one", SecurityContext: &corev1.SecurityContext{
					SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}}}}}}
			}, at: []string{"seccompProfile_baseline {S}.containers[0].securityContext.seccompProfile.type <one>"}},
			{kind: "Deployment", name: "two", spec: "spec.template.spec", pod: func() csPod {
				return csPod{spec: corev1.PodSpec{
					SecurityContext: &corev1.PodSecurityContext{Sysctls: []corev1.Sysctl{
						{Name: "kernel.shm_rmid_forced", Value: "1"}, {Name: "kernel.msgmax", Value: "65536"}}},
					Containers: []corev1.Container{{Name: "two"}}}}
			}, at: []string{"sysctls {S}.securityContext.sysctls[1].name <two>"}},
		}},
		{name: "MultiDocument", lv: "baseline latest", in: `# a leading comment
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  template:
    spec:
      hostNetwork: true # <net>
      hostIPC: true # <ipc>
      containers:
      - {name: agent, image: agent}
---
# a document of comments only
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec:
  template:
    spec:
      containers: [{name: x, securityContext: {privileged: true}}]
...
---
apiVersion: v1
kind: Pod
metadata: {name: last}
spec:
  containers:
  - name: c
    securityContext:
      windowsOptions: {hostProcess: true} # <hpc>
`, objs: []csObj{
			{kind: "CustomResourceDefinition", name: "widgets.example.com"},
			{kind: "DaemonSet", name: "agent", spec: "spec.template.spec", pod: func() csPod {
				return csPod{spec: corev1.PodSpec{HostNetwork: true, HostIPC: true,
					Containers: []corev1.Container{{Name: "agent", Image: "agent"}}}}
			}, at: []string{"hostNamespaces {S}.hostNetwork <net>", "hostNamespaces {S}.hostIPC <ipc>"}},
			{kind: "Widget", name: "w"},
			{kind: "Pod", name: "last", spec: "spec", pod: func() csPod {
				return csPod{spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", SecurityContext: &corev1.SecurityContext{
					WindowsOptions: &corev1.WindowsSecurityContextOptions{HostProcess: new(true)}}}}}}
			}, at: []string{"windowsHostProcess {S}.containers[0].securityContext.windowsOptions.hostProcess <hpc>"}},
		}},
		{name: "YAML11Booleans", lv: "baseline latest", in: `apiVersion: v1
kind: Pod
metadata: {name: yaml11}
spec:
  hostPID: yes # <y1>
  containers:
  - name: c
    securityContext: {privileged: on} # <y2>
`, objs: []csObj{{kind: "Pod", name: "yaml11", spec: "spec", pod: func() csPod {
			return csPod{spec: corev1.PodSpec{HostPID: true, Containers: []corev1.Container{{Name: "c",
				SecurityContext: &corev1.SecurityContext{Privileged: new(true)}}}}}
		}, at: []string{"hostNamespaces {S}.hostPID <y1>", "privileged {S}.containers[0].securityContext.privileged <y2>"}}}},
		{name: "NotWorkloads", lv: "restricted latest", in: `apiVersion: example.com/v1
kind: Deployment
metadata: {name: look-alike}
spec:
  template:
    spec:
      hostPID: true
      containers: [{name: x, securityContext: {privileged: true}}]
---
apiVersion: example.com/v1
kind: Pod
metadata: {name: look-alike-pod}
spec:
  containers: [{name: x, securityContext: {privileged: true}}]
---
apiVersion: extensions/v1beta1
kind: DaemonSet
metadata: {name: removed-group}
spec:
  template:
    spec:
      containers: [{name: x, securityContext: {privileged: true}}]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: deployments.example.com}
spec:
  group: example.com
  names: {kind: Deployment, plural: deployments}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: rollout}
spec:
  template:
    spec:
      hostNetwork: true
      containers: [{name: x}]
---
apiVersion: v1
kind: Frobnicator
metadata: {name: unknown}
spec: {hostPID: true}
`, objs: []csObj{
			{kind: "Deployment", name: "look-alike"},
			{kind: "Pod", name: "look-alike-pod"},
			{kind: "DaemonSet", name: "removed-group"},
			{kind: "CustomResourceDefinition", name: "deployments.example.com"},
			{kind: "Rollout", name: "rollout"},
			{kind: "Frobnicator", name: "unknown"},
		}},
	})
}

// TestCasesBlockFieldLines: a field whose value is a block mapping is on
// the line of its key, not on the line of the first key inside it.
func TestCasesBlockFieldLines(t *testing.T) {
	csRun(t, []csCase{{name: "Pod", lv: "baseline latest", in: `apiVersion: v1
kind: Pod
metadata: {name: blocks}
spec:
  containers:
  - name: app
    securityContext:
      seLinuxOptions: # <se>
        level: s0:c1
        type: spc_t
  volumes:
  - name: docker
    hostPath: # <hp>
      path: /var/run/docker.sock
      type: Socket
`, objs: []csObj{{kind: "Pod", name: "blocks", spec: "spec", pod: func() csPod {
		return csPod{spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "app", SecurityContext: &corev1.SecurityContext{
				SELinuxOptions: &corev1.SELinuxOptions{Level: "s0:c1", Type: "spc_t"}}}},
			Volumes: []corev1.Volume{{Name: "docker", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{
				Path: "/var/run/docker.sock", Type: new(corev1.HostPathSocket)}}}},
		}}
	}, at: []string{
		"seLinuxOptions {S}.containers[0].securityContext.seLinuxOptions <se>",
		"hostPathVolumes {S}.volumes[0].hostPath <hp>",
	}}}}})
}

func TestCasesContainers(t *testing.T) {
	ephemeral := `apiVersion: v1
kind: Pod
metadata: {name: debugged}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: app
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
  ephemeralContainers:
  - name: debugger
    targetContainerName: app
    securityContext:
      privileged: true # <eprv>
      capabilities: {add: [SYS_PTRACE]} # <ecap>
      allowPrivilegeEscalation: false
`
	ephemeralPod := func() csPod {
		return csPod{spec: corev1.PodSpec{
			SecurityContext: csRestrictedPodSC(),
			Containers:      []corev1.Container{{Name: "app", SecurityContext: csRestrictedSC()}},
			EphemeralContainers: []corev1.EphemeralContainer{{TargetContainerName: "app",
				EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debugger", SecurityContext: &corev1.SecurityContext{
					Privileged: new(true), AllowPrivilegeEscalation: new(false), Capabilities: csCaps([]corev1.Capability{"SYS_PTRACE"})}}}},
		}}
	}
	cases := []csCase{
		{name: "EphemeralBaseline", lv: "baseline latest", in: ephemeral, objs: []csObj{{kind: "Pod", name: "debugged", spec: "spec", pod: ephemeralPod, at: []string{
			"privileged {S}.ephemeralContainers[0].securityContext.privileged <eprv>",
			"capabilities_baseline {S}.ephemeralContainers[0].securityContext.capabilities.add <ecap>",
		}}}},
		{name: "EphemeralRestricted", lv: "restricted latest", in: ephemeral, objs: []csObj{{kind: "Pod", name: "debugged", spec: "spec", pod: ephemeralPod, at: []string{
			"privileged {S}.ephemeralContainers[0].securityContext.privileged <eprv>",
			"capabilities_restricted {S}.ephemeralContainers[0].securityContext.capabilities.drop <ecap>",
			"capabilities_restricted {S}.ephemeralContainers[0].securityContext.capabilities.add <ecap>",
		}}}},
		{name: "InitContainersBaseline", lv: "baseline latest", in: csInitBaseline, objs: []csObj{
			{kind: "Pod", name: "init-baseline", spec: "spec", pod: csInitBaselinePod, at: []string{
				"privileged {S}.initContainers[0].securityContext.privileged <i0>",
				"capabilities_baseline {S}.initContainers[1].securityContext.capabilities.add <i1>",
				"procMount {S}.initContainers[2].securityContext.procMount <i2>",
				"seLinuxOptions {S}.initContainers[3].securityContext.seLinuxOptions <i3>",
				"seccompProfile_baseline {S}.initContainers[4].securityContext.seccompProfile.type <i4>",
				"windowsHostProcess {S}.initContainers[5].securityContext.windowsOptions.hostProcess <i5>",
				"hostPorts {S}.initContainers[6].ports[0].hostPort <i6>",
				"hostProbesAndHostLifecycle {S}.initContainers[7].livenessProbe.httpGet.host <i7a>",
				"hostProbesAndHostLifecycle {S}.initContainers[7].lifecycle.preStop.tcpSocket.host <i7b>",
				"appArmorProfile {S}.initContainers[8].securityContext.appArmorProfile.type <i8>",
			}}}},
	}
	// The same restricted pod across versions: which checks exist, and
	// which baseline checks the restricted ones override, change.
	restricted := func(name, lv string, at ...string) csCase {
		at = append(at,
			"allowPrivilegeEscalation {S}.initContainers[0].securityContext.allowPrivilegeEscalation <r0>",
			"runAsNonRoot {S}.initContainers[3].securityContext.runAsNonRoot <r3>",
			"restrictedVolumes {S}.volumes[1].hostPath <v1>")
		return csCase{name: name, lv: lv, in: csInitRestricted, objs: []csObj{
			{kind: "Pod", name: "init-restricted", spec: "spec", pod: csInitRestrictedPod, at: at}}}
	}
	capsRestricted := []string{
		"capabilities_restricted {S}.initContainers[1].securityContext.capabilities.add <r1>",
		"capabilities_restricted {S}.initContainers[2].securityContext.capabilities.drop <r2>",
	}
	cases = append(cases,
		restricted("InitContainersRestricted", "restricted latest", append(capsRestricted,
			"runAsUser {S}.initContainers[4].securityContext.runAsUser <r4>",
			"seccompProfile_restricted {S}.initContainers[5].securityContext.seccompProfile.type <r5>",
			"procMount_restricted {S}.initContainers[6].securityContext.procMount <r6>")...),
		restricted("InitContainersRestricted_v1.34", "restricted v1.34", append(capsRestricted,
			"runAsUser {S}.initContainers[4].securityContext.runAsUser <r4>",
			"seccompProfile_restricted {S}.initContainers[5].securityContext.seccompProfile.type <r5>",
			"procMount {S}.initContainers[6].securityContext.procMount <r6>")...),
		restricted("InitContainersRestricted_v1.22", "restricted v1.22", append(capsRestricted,
			"seccompProfile_restricted {S}.initContainers[5].securityContext.seccompProfile.type <r5>",
			"procMount {S}.initContainers[6].securityContext.procMount <r6>")...),
		restricted("InitContainersRestricted_v1.18", "restricted v1.18",
			"capabilities_baseline {S}.initContainers[1].securityContext.capabilities.add <r1>",
			"procMount {S}.initContainers[6].securityContext.procMount <r6>"),
	)
	csRun(t, cases)
}

const csInitBaseline = `apiVersion: v1
kind: Pod
metadata: {name: init-baseline}
spec:
  initContainers:
  - name: i0
    securityContext: {privileged: true} # <i0>
  - name: i1
    securityContext: {capabilities: {add: [CHOWN, SYS_ADMIN]}} # <i1>
  - name: i2
    securityContext: {procMount: Unmasked} # <i2>
  - name: i3
    securityContext: {seLinuxOptions: {type: spc_t}} # <i3>
  - name: i4
    securityContext: {seccompProfile: {type: Unconfined}} # <i4>
  - name: i5
    securityContext: {windowsOptions: {hostProcess: true}} # <i5>
  - name: i6
    ports: [{containerPort: 53, hostPort: 53}] # <i6>
  - name: i7
    restartPolicy: Always
    livenessProbe: {httpGet: {host: 10.0.0.1, port: 80}} # <i7a>
    lifecycle: {preStop: {tcpSocket: {host: metadata.internal, port: 80}}} # <i7b>
  - name: i8
    securityContext: {appArmorProfile: {type: Unconfined}} # <i8>
  containers:
  - {name: app, image: app}
`

func csInitBaselinePod() csPod {
	sc := func(s corev1.SecurityContext) corev1.Container { return corev1.Container{SecurityContext: &s} }
	init := []corev1.Container{
		sc(corev1.SecurityContext{Privileged: new(true)}),
		sc(corev1.SecurityContext{Capabilities: csCaps([]corev1.Capability{"CHOWN", "SYS_ADMIN"})}),
		sc(corev1.SecurityContext{ProcMount: new(corev1.UnmaskedProcMount)}),
		sc(corev1.SecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Type: "spc_t"}}),
		sc(corev1.SecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}}),
		sc(corev1.SecurityContext{WindowsOptions: &corev1.WindowsSecurityContextOptions{HostProcess: new(true)}}),
		{Ports: []corev1.ContainerPort{{ContainerPort: 53, HostPort: 53, Protocol: corev1.ProtocolTCP}}},
		{RestartPolicy: new(corev1.ContainerRestartPolicyAlways),
			LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Host: "10.0.0.1"}}},
			Lifecycle:     &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{TCPSocket: &corev1.TCPSocketAction{Host: "metadata.internal"}}}},
		sc(corev1.SecurityContext{AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}}),
	}
	for i := range init {
		init[i].Name = fmt.Sprintf("i%d", i)
	}
	return csPod{spec: corev1.PodSpec{InitContainers: init, Containers: []corev1.Container{{Name: "app", Image: "app"}}}}
}

const csInitRestricted = `apiVersion: v1
kind: Pod
metadata: {name: init-restricted}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  initContainers:
  - name: r0
    securityContext: {allowPrivilegeEscalation: true, capabilities: {drop: [ALL]}} # <r0>
  - name: r1
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE, SYS_ADMIN]} # <r1>
  - name: r2
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {add: [NET_BIND_SERVICE]} # <r2>
  - name: r3
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, runAsNonRoot: false} # <r3>
  - name: r4
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, runAsUser: 0} # <r4>
  - name: r5
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: Unconfined}} # <r5>
  - name: r6
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, procMount: Unmasked} # <r6>
  containers:
  - name: app
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
  volumes:
  - name: scratch
  - name: host
    hostPath: {path: /etc} # <v1>
`

func csInitRestrictedPod() csPod {
	with := func(f func(*corev1.SecurityContext)) corev1.Container {
		sc := csRestrictedSC()
		f(sc)
		return corev1.Container{SecurityContext: sc}
	}
	init := []corev1.Container{
		with(func(sc *corev1.SecurityContext) { sc.AllowPrivilegeEscalation = new(true) }),
		with(func(sc *corev1.SecurityContext) {
			sc.Capabilities.Add = []corev1.Capability{"NET_BIND_SERVICE", "SYS_ADMIN"}
		}),
		with(func(sc *corev1.SecurityContext) { sc.Capabilities = csCaps([]corev1.Capability{"NET_BIND_SERVICE"}) }),
		with(func(sc *corev1.SecurityContext) { sc.RunAsNonRoot = new(false) }),
		with(func(sc *corev1.SecurityContext) { sc.RunAsUser = new(int64(0)) }),
		with(func(sc *corev1.SecurityContext) {
			sc.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}
		}),
		with(func(sc *corev1.SecurityContext) { sc.ProcMount = new(corev1.UnmaskedProcMount) }),
	}
	for i := range init {
		init[i].Name = fmt.Sprintf("r%d", i)
	}
	return csPod{spec: corev1.PodSpec{
		SecurityContext: csRestrictedPodSC(),
		InitContainers:  init,
		Containers:      []corev1.Container{{Name: "app", SecurityContext: csRestrictedSC()}},
		// A volume with no source is stored as an emptyDir (SetDefaults_Volume).
		Volumes: []corev1.Volume{
			{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/etc"}}},
		},
	}}
}
