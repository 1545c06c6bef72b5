package checks

import "testing"

func TestBPDefaultServiceAccount(t *testing.T) {
	bpTable(t, "bp/default-service-account", []bpCase{{
		name: "unset",
		doc: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: app
        image: app:1
`,
		want: []bpWant{{7, "spec.template.spec.serviceAccountName",
			`pod sets no serviceAccountName, so it runs as the namespace's "default" ServiceAccount (spec.template.spec.serviceAccountName)`}},
	}, {
		name: "named default, and the deprecated alias",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: a
spec:
  serviceAccountName: default
  containers:
  - name: app
    image: app:1
---
apiVersion: v1
kind: Pod
metadata:
  name: b
spec:
  serviceAccount: default
  containers:
  - name: app
    image: app:1
`,
		want: []bpWant{
			{6, "spec.serviceAccountName", `pod runs as the namespace's "default" ServiceAccount (spec.serviceAccountName)`},
			{16, "spec.serviceAccount", `pod runs as the namespace's "default" ServiceAccount (spec.serviceAccount)`},
		},
	}, {
		name: "dedicated account, or no token mounted",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: a
spec:
  serviceAccountName: web
  containers:
  - name: app
    image: app:1
---
apiVersion: v1
kind: Pod
metadata:
  name: b
spec:
  automountServiceAccountToken: false
  containers:
  - name: app
    image: app:1
`,
	}})
}
