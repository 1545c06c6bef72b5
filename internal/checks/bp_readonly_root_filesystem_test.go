package checks

import "testing"

func TestBPReadonlyRootFilesystem(t *testing.T) {
	bpTable(t, "bp/readonly-root-filesystem", []bpCase{{
		name: "absent, false, true, ephemeral",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  initContainers:
  - name: init
    image: init:1
    securityContext:
      readOnlyRootFilesystem: false
  containers:
  - name: app
    image: app:1
  - name: ro
    image: app:1
    securityContext:
      readOnlyRootFilesystem: true
  ephemeralContainers:
  - name: debug
    image: busybox:1.36
    securityContext:
      runAsNonRoot: true
`,
		want: []bpWant{
			{10, "spec.initContainers[0].securityContext.readOnlyRootFilesystem", `init container "init" sets securityContext.readOnlyRootFilesystem: false (spec.initContainers[0].securityContext.readOnlyRootFilesystem)`},
			{12, "spec.containers[0].securityContext.readOnlyRootFilesystem", `container "app" does not set securityContext.readOnlyRootFilesystem: true (spec.containers[0].securityContext.readOnlyRootFilesystem)`},
			{21, "spec.ephemeralContainers[0].securityContext.readOnlyRootFilesystem", `ephemeral container "debug" does not set securityContext.readOnlyRootFilesystem: true (spec.ephemeralContainers[0].securityContext.readOnlyRootFilesystem)`},
		},
	}, {
		name: "Windows pods are skipped",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: w
spec:
  os:
    name: windows
  containers:
  - name: app
    image: app:1
`,
	}})
}
