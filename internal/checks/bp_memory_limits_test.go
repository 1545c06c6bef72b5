package checks

import "testing"

func TestBPMemoryLimits(t *testing.T) {
	bpTable(t, "bp/memory-limits", []bpCase{{
		name: "Job, PodTemplate and ReplicaSet",
		doc: `apiVersion: batch/v1
kind: Job
metadata:
  name: j
spec:
  template:
    spec:
      containers:
      - name: job
        image: job:1
        resources:
          requests:
            memory: 1Gi
---
apiVersion: v1
kind: PodTemplate
metadata:
  name: t
template:
  spec:
    containers:
    - name: tpl
      image: tpl:1
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: r
spec:
  template:
    spec:
      containers:
      - name: ok
        image: ok:1
        resources:
          limits:
            memory: 1Gi
`,
		want: []bpWant{
			{11, "spec.template.spec.containers[0].resources.limits.memory", `container "job" has no resources.limits.memory (spec.template.spec.containers[0].resources.limits.memory)`},
			{22, "template.spec.containers[0].resources.limits.memory", `container "tpl" has no resources.limits.memory (template.spec.containers[0].resources.limits.memory)`},
		},
	}})
}
