package pss

import (
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/palisade-dev/palisade/internal/finding"
)

// ruleText is what upstream does not carry: a title, why it matters, how
// to fix it, and how bad it is.
type ruleText struct {
	title       string
	severity    finding.Severity
	rationale   string
	remediation string
}

const helpURI = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"

// texts has one entry per upstream check ID; TestEveryCheckHasRule fails
// when upstream adds a check without one here. Severity: every Pod Security
// finding means admission would reject the pod at the evaluated level, so
// none is below high; the host escapes are critical.
var texts = map[policy.CheckID]ruleText{
	"allowPrivilegeEscalation": {"Privilege escalation must be disallowed", finding.SeverityHigh,
		"A process can gain more privileges than its parent (setuid binaries, file capabilities) unless allowPrivilegeEscalation is false.",
		"securityContext:\n  allowPrivilegeEscalation: false\n"},
	"appArmorProfile": {"AppArmor profile must not be overridden or disabled", finding.SeverityHigh,
		"Setting the AppArmor profile to unconfined removes the runtime's mandatory access control.",
		"securityContext:\n  appArmorProfile:\n    type: RuntimeDefault\n"},
	"capabilities_baseline": {"Only default capabilities may be added", finding.SeverityHigh,
		"Capabilities beyond the runtime defaults (SYS_ADMIN, NET_ADMIN, ...) give a container kernel powers that lead to node compromise.",
		"securityContext:\n  capabilities:\n    add: []  # only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT\n"},
	"capabilities_restricted": {"Capabilities must drop ALL and add only NET_BIND_SERVICE", finding.SeverityHigh,
		"The restricted level runs containers with no capabilities except binding low ports.",
		"securityContext:\n  capabilities:\n    drop: [\"ALL\"]\n    add: [\"NET_BIND_SERVICE\"]  # only if needed\n"},
	"hostNamespaces": {"Host namespaces must not be shared", finding.SeverityCritical,
		"Sharing the host's network, PID or IPC namespace lets a pod see and attack node processes and traffic.",
		"spec:\n  hostNetwork: false\n  hostPID: false\n  hostIPC: false\n"},
	"hostPathVolumes": {"hostPath volumes are forbidden", finding.SeverityCritical,
		"A hostPath volume exposes the node's filesystem (kubelet credentials, container runtime socket) to the pod.",
		"volumes:\n- name: data\n  emptyDir: {}  # or a persistentVolumeClaim, configMap, secret\n"},
	"hostPorts": {"hostPorts must not be used", finding.SeverityHigh,
		"A hostPort binds the node's network interface and bypasses network policy; it also limits scheduling.",
		"ports:\n- containerPort: 8080  # no hostPort; expose it with a Service\n"},
	"hostProbesAndHostLifecycle": {"Probes and lifecycle handlers must not set host", finding.SeverityHigh,
		"A probe or lifecycle handler with host set makes the kubelet connect to arbitrary addresses (SSRF from the node).",
		"livenessProbe:\n  httpGet:\n    path: /healthz\n    port: 8080  # no host: the pod IP is used\n"},
	"privileged": {"Privileged containers are forbidden", finding.SeverityCritical,
		"A privileged container has every capability and all host devices: it is root on the node.",
		"securityContext:\n  privileged: false\n"},
	"procMount": {"The default /proc mask must be used", finding.SeverityHigh,
		"An unmasked /proc exposes host kernel information and interfaces to the container.",
		"securityContext:\n  procMount: Default\n"},
	"procMount_restricted": {"The default /proc mask must be used, also with user namespaces", finding.SeverityHigh,
		"The restricted level keeps /proc masked even for pods in a user namespace.",
		"securityContext:\n  procMount: Default\n"},
	"restrictedVolumes": {"Only ephemeral, projected and claim volume types may be used", finding.SeverityHigh,
		"Volume types that reach node or network storage directly (hostPath, nfs, iscsi, ...) bypass storage access control.",
		"volumes:\n- name: data\n  persistentVolumeClaim:\n    claimName: data  # or configMap, secret, emptyDir, projected, csi, ephemeral, downwardAPI\n"},
	"runAsNonRoot": {"Containers must run as non-root", finding.SeverityHigh,
		"Running as root inside the container makes any escape a root escape.",
		"securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001\n"},
	"runAsUser": {"Containers must not run as UID 0", finding.SeverityHigh,
		"runAsUser: 0 runs the container as root regardless of the image.",
		"securityContext:\n  runAsUser: 10001\n"},
	"seLinuxOptions": {"SELinux type must be a container type; user and role must not be set", finding.SeverityHigh,
		"Custom SELinux users, roles or types can lift the confinement of the container.",
		"securityContext:\n  seLinuxOptions:\n    type: container_t  # or leave seLinuxOptions unset\n"},
	"seccompProfile_baseline": {"Seccomp must not be disabled", finding.SeverityHigh,
		"An Unconfined seccomp profile exposes every system call of the host kernel.",
		"securityContext:\n  seccompProfile:\n    type: RuntimeDefault\n"},
	"seccompProfile_restricted": {"Seccomp must be RuntimeDefault or Localhost", finding.SeverityHigh,
		"The restricted level requires an explicit seccomp profile, filtering the system calls a container can make.",
		"securityContext:\n  seccompProfile:\n    type: RuntimeDefault\n"},
	"sysctls": {"Only safe sysctls may be set", finding.SeverityHigh,
		"Unsafe sysctls change kernel parameters for the whole node, not only the pod.",
		"securityContext:\n  sysctls: []  # only the namespaced safe set, e.g. net.ipv4.ip_unprivileged_port_start\n"},
	"windowsHostProcess": {"Windows HostProcess containers are forbidden", finding.SeverityCritical,
		"A HostProcess container runs directly on the Windows node with host access.",
		"securityContext:\n  windowsOptions:\n    hostProcess: false\n"},
}

// Rules returns the metadata of every Pod Security check, sorted by ID.
func Rules() []finding.Rule {
	var out []finding.Rule
	for _, c := range policy.DefaultChecks() {
		out = append(out, rule(c.ID, c.Level))
	}
	return out
}

func rule(id policy.CheckID, level api.Level) finding.Rule {
	t := texts[id]
	return finding.Rule{
		ID:          RuleID(id),
		Standard:    finding.StandardPodSecurity,
		Severity:    t.severity,
		Level:       string(level),
		Title:       t.title,
		Rationale:   t.rationale,
		Remediation: t.remediation,
		HelpURI:     helpURI,
	}
}

// RuleID is the Palisade check ID of an upstream check.
func RuleID(id policy.CheckID) string { return "pss/" + string(id) }
