package checks

import "testing"

func TestBPDangerousCapabilities(t *testing.T) {
	bpTable(t, "bp/dangerous-capabilities", []bpCase{{
		name: "every case",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  initContainers:
  - name: nothing
    image: app:1
  containers:
  - name: drop-all
    image: app:1
    securityContext:
      capabilities:
        drop: [all]
  - name: drop-net-raw
    image: app:1
    securityContext:
      capabilities:
        drop: [CAP_NET_RAW]
  - name: drop-other
    image: app:1
    securityContext:
      capabilities:
        drop: [NET_ADMIN]
  - name: sys-admin
    image: app:1
    securityContext:
      capabilities:
        drop: [ALL]
        add: [SYS_ADMIN]
  - name: readd
    image: app:1
    securityContext:
      capabilities:
        drop: [ALL]
        add: [NET_RAW]
  - name: everything
    image: app:1
    securityContext:
      capabilities:
        add: [ALL]
  ephemeralContainers:
  - name: debug
    image: busybox:1.36
`,
		want: []bpWant{
			{7, "spec.initContainers[0].securityContext.capabilities.drop", `init container "nothing" does not drop NET_RAW (securityContext.capabilities.drop lists neither NET_RAW nor ALL) (spec.initContainers[0].securityContext.capabilities.drop)`},
			{24, "spec.containers[2].securityContext.capabilities.drop", `container "drop-other" does not drop NET_RAW (securityContext.capabilities.drop lists neither NET_RAW nor ALL) (spec.containers[2].securityContext.capabilities.drop)`},
			{30, "spec.containers[3].securityContext.capabilities.add", `container "sys-admin" adds SYS_ADMIN (spec.containers[3].securityContext.capabilities.add)`},
			{36, "spec.containers[4].securityContext.capabilities.add", `container "readd" adds NET_RAW (spec.containers[4].securityContext.capabilities.add)`},
			{41, "spec.containers[5].securityContext.capabilities.add", `container "everything" adds ALL capabilities, NET_RAW included (spec.containers[5].securityContext.capabilities.add)`},
			{41, "spec.containers[5].securityContext.capabilities.add", `container "everything" adds ALL capabilities, SYS_ADMIN included (spec.containers[5].securityContext.capabilities.add)`},
			{43, "spec.ephemeralContainers[0].securityContext.capabilities.drop", `ephemeral container "debug" does not drop NET_RAW (securityContext.capabilities.drop lists neither NET_RAW nor ALL) (spec.ephemeralContainers[0].securityContext.capabilities.drop)`},
		},
	}, {
		name: "Windows pods are skipped",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: w
spec:
  os: {name: windows}
  containers:
  - name: app
    image: app:1
`,
	}})
}
