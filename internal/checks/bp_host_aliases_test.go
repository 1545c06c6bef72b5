package checks

import "testing"

func TestBPHostAliases(t *testing.T) {
	bpTable(t, "bp/host-aliases", []bpCase{{
		name: "set",
		doc: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      hostAliases:
      - ip: 10.0.0.1
        hostnames: [api.example.com]
      containers:
      - name: app
        image: app:1
`,
		want: []bpWant{{8, "spec.template.spec.hostAliases", `pod sets hostAliases, which override DNS in its /etc/hosts (spec.template.spec.hostAliases)`}},
	}, {
		name: "unset or empty",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  hostAliases: []
  containers:
  - name: app
    image: app:1
`,
	}})
}
