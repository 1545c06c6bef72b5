package checks

import "testing"

func TestBPCPURequests(t *testing.T) {
	bpTable(t, "bp/cpu-requests", []bpCase{{
		name: "init and regular containers; a limit or a request counts; ephemeral skipped",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  initContainers:
  - name: init
    image: busybox:1.36
  containers:
  - name: app
    image: app:1
    resources:
      requests:
        cpu: 100m
  - name: limited
    image: app:1
    resources:
      limits:
        cpu: 200m
  - name: memonly
    image: app:1
    resources:
      requests:
        memory: 64Mi
  ephemeralContainers:
  - name: debug
    image: busybox:1.36
`,
		want: []bpWant{
			{7, "spec.initContainers[0].resources.requests.cpu", `init container "init" has no resources.requests.cpu (spec.initContainers[0].resources.requests.cpu)`},
			{23, "spec.containers[2].resources.requests.cpu", `container "memonly" has no resources.requests.cpu (spec.containers[2].resources.requests.cpu)`},
		},
	}, {
		name: "CronJob prefix",
		doc: `apiVersion: batch/v1
kind: CronJob
metadata:
  name: c
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: job
            image: job:1
`,
		want: []bpWant{
			{12, "spec.jobTemplate.spec.template.spec.containers[0].resources.requests.cpu", `container "job" has no resources.requests.cpu (spec.jobTemplate.spec.template.spec.containers[0].resources.requests.cpu)`},
		},
	}, {
		name: "pod-level resources cover every container",
		doc: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      resources:
        requests:
          cpu: "1"
      containers:
      - name: app
        image: app:1
`,
	}, {
		name: "not a workload",
		doc: `apiVersion: v1
kind: ConfigMap
metadata:
  name: c
`,
	}})
}
