package checks

import "testing"

func TestBPMemoryRequests(t *testing.T) {
	bpTable(t, "bp/memory-requests", []bpCase{{
		name: "missing, defaulted from the limit, set",
		doc: `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: s
spec:
  template:
    spec:
      containers:
      - name: none
        image: app:1
        resources: {}
      - name: limit
        image: app:1
        resources:
          limits:
            memory: 128Mi
      - name: request
        image: app:1
        resources:
          requests:
            memory: 64Mi
`,
		want: []bpWant{
			{11, "spec.template.spec.containers[0].resources.requests.memory", `container "none" has no resources.requests.memory (spec.template.spec.containers[0].resources.requests.memory)`},
		},
	}, {
		name: "pod-level memory limit covers it",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  resources:
    limits:
      memory: 1Gi
  containers:
  - name: app
    image: app:1
`,
	}})
}
