package checks

import "testing"

func TestBPNamespaceWithoutLimits(t *testing.T) {
	const ns = `apiVersion: v1
kind: Namespace
metadata:
  name: team-a
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team-a
spec:
  template:
    spec:
      containers:
      - name: app
        image: app:1
`
	bpTable(t, "bp/namespace-without-limits", []bpCase{{
		name: "workloads, no quota, no limit range",
		doc:  ns,
		want: []bpWant{{4, "metadata.name", `Namespace "team-a" has 1 workload(s) in the input but no LimitRange and no ResourceQuota (metadata.name)`}},
	}, {
		name: "a LimitRange satisfies it",
		doc: ns + `---
apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
  namespace: team-a
spec:
  limits:
  - type: Container
    default:
      memory: 256Mi
`,
	}, {
		name: "a ResourceQuota satisfies it",
		doc: ns + `---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: q
  namespace: team-a
spec:
  hard:
    pods: "10"
`,
	}, {
		name: "a quota of another namespace does not",
		doc: ns + `---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: q
  namespace: team-b
spec:
  hard:
    pods: "10"
`,
		want: []bpWant{{4, "metadata.name", `Namespace "team-a" has 1 workload(s) in the input but no LimitRange and no ResourceQuota (metadata.name)`}},
	}, {
		name: "no workloads",
		doc: `apiVersion: v1
kind: Namespace
metadata:
  name: empty
`,
	}, {
		name: "workloads without their Namespace object: silent",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: team-a
spec:
  containers:
  - name: app
    image: app:1
`,
	}})
}
