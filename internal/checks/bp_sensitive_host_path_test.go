package checks

import "testing"

func TestBPSensitiveHostPath(t *testing.T) {
	bpTable(t, "bp/sensitive-host-path", []bpCase{{
		name: "sockets, below, above, harmless, /var/log read-only and writable",
		doc: `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  template:
    spec:
      containers:
      - name: agent
        image: agent:1
        volumeMounts:
        - name: ro-logs
          mountPath: /host/log
          readOnly: true
        - name: rw-logs
          mountPath: /host/log2
      volumes:
      - name: sock
        hostPath:
          path: /var/run/docker.sock
      - name: kubelet-pki
        hostPath:
          path: /var/lib/kubelet/pki/
      - name: var
        hostPath:
          path: /var
      - name: root
        hostPath:
          path: /
      - name: tz
        hostPath:
          path: /etc/localtime
      - name: csi
        hostPath:
          path: /var/lib/kubelet/plugins/csi.example.com
      - name: data
        hostPath:
          path: /data/app
      - name: ro-logs
        hostPath:
          path: /var/log
      - name: rw-logs
        hostPath:
          path: /var/log/pods
      - name: containerd
        hostPath:
          path: /run/containerd
      - name: scratch
        emptyDir: {}
`,
		want: []bpWant{
			{20, "spec.template.spec.volumes[0].hostPath.path", `volume "sock" mounts host path /var/run/docker.sock: the Docker socket (spec.template.spec.volumes[0].hostPath.path)`},
			{23, "spec.template.spec.volumes[1].hostPath.path", `volume "kubelet-pki" mounts host path /var/lib/kubelet/pki/: the kubelet's credentials and every pod's volumes and secrets (spec.template.spec.volumes[1].hostPath.path)`},
			{26, "spec.template.spec.volumes[2].hostPath.path", `volume "var" mounts host path /var: it holds /var/run/docker.sock (the Docker socket) (spec.template.spec.volumes[2].hostPath.path)`},
			{29, "spec.template.spec.volumes[3].hostPath.path", `volume "root" mounts host path /: the node's whole filesystem (spec.template.spec.volumes[3].hostPath.path)`},
			{44, "spec.template.spec.volumes[8].hostPath.path", `volume "rw-logs" mounts host path /var/log/pods: the node's logs, where a symlink lets a pod read any host file through the kubelet's /logs endpoint, mounted writable (spec.template.spec.volumes[8].hostPath.path)`},
			{47, "spec.template.spec.volumes[9].hostPath.path", `volume "containerd" mounts host path /run/containerd: it holds /run/containerd/containerd.sock (the containerd socket) (spec.template.spec.volumes[9].hostPath.path)`},
		},
	}, {
		name: "Pod prefix, /proc",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: app
    image: app:1
  volumes:
  - name: proc
    hostPath:
      path: /proc
`,
		want: []bpWant{
			{12, "spec.volumes[0].hostPath.path", `volume "proc" mounts host path /proc: the host's processes and kernel settings (spec.volumes[0].hostPath.path)`},
		},
	}})
}
