package checks

import "testing"

func TestBPShareProcessNamespace(t *testing.T) {
	bpTable(t, "bp/share-process-namespace", []bpCase{{
		name: "true",
		doc: `apiVersion: batch/v1
kind: CronJob
metadata:
  name: c
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          shareProcessNamespace: true
          containers:
          - name: app
            image: app:1
`,
		want: []bpWant{{11, "spec.jobTemplate.spec.template.spec.shareProcessNamespace",
			`pod sets shareProcessNamespace: true (spec.jobTemplate.spec.template.spec.shareProcessNamespace)`}},
	}, {
		name: "false or unset",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: a
spec:
  shareProcessNamespace: false
  containers:
  - name: app
    image: app:1
---
apiVersion: v1
kind: Pod
metadata:
  name: b
spec:
  containers:
  - name: app
    image: app:1
`,
	}})
}
