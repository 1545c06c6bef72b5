package checks

import "testing"

func TestBPCPULimits(t *testing.T) {
	bpTable(t, "bp/cpu-limits", []bpCase{{
		name: "a request is not a limit",
		doc: `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: d
spec:
  template:
    spec:
      initContainers:
      - name: init
        image: init:1
        resources:
          limits:
            cpu: 100m
      containers:
      - name: app
        image: app:1
        resources:
          requests:
            cpu: 100m
`,
		want: []bpWant{
			{17, "spec.template.spec.containers[0].resources.limits.cpu", `container "app" has no resources.limits.cpu (spec.template.spec.containers[0].resources.limits.cpu)`},
		},
	}, {
		name: "pod-level request is not a limit",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  resources:
    requests:
      cpu: "1"
  containers:
  - name: app
    image: app:1
`,
		want: []bpWant{
			{10, "spec.containers[0].resources.limits.cpu", `container "app" has no resources.limits.cpu (spec.containers[0].resources.limits.cpu)`},
		},
	}, {
		name: "ReplicationController with limits",
		doc: `apiVersion: v1
kind: ReplicationController
metadata:
  name: r
spec:
  template:
    spec:
      containers:
      - name: app
        image: app:1
        resources:
          limits:
            cpu: 1
`,
	}})
}
