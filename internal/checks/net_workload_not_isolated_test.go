package checks

import "testing"

// netWebDeployment is a Deployment of namespace shop whose pod labels are on
// line 8.
const netWebDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web, tier: front}
    spec:
      containers: [{name: web, image: web:1}]
`

func TestWorkloadNotIsolated(t *testing.T) {
	webFires := []found{{Kind: "Deployment", Name: "web", Path: "spec.template.metadata.labels", Line: 8,
		Message: `no NetworkPolicy of namespace "shop" selects the pod labels app=web,tier=front: the pod is not isolated`}}
	runNetCases(t, "net/workload-not-isolated", []netCase{
		{"policy for another app", netWebDeployment + netPolicyDoc("shop", "  podSelector: {matchLabels: {app: api}}\n"), webFires},
		{"selected by labels", netWebDeployment + netPolicyDoc("shop", "  podSelector: {matchLabels: {tier: front}}\n"), nil},
		{"selected by expression", netWebDeployment + netPolicyDoc("shop",
			"  podSelector:\n    matchExpressions: [{key: app, operator: In, values: [web, api]}]\n"), nil},
		{"default deny selects every pod", netWebDeployment + netPolicyDoc("shop", "  podSelector: {}\n"), nil},
		{"policy of another namespace", netWebDeployment + netPolicyDoc("other", "  podSelector: {}\n"), nil},
		{"no policy at all", netWebDeployment, nil},
		{"namespace object only", netWebDeployment + "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n", nil},
		{"pod without labels", `apiVersion: v1
kind: Pod
metadata:
  name: lone
  namespace: shop
spec:
  containers: [{name: a, image: a:1}]
` + netPolicyDoc("shop", "  podSelector: {matchLabels: {app: api}}\n"),
			[]found{{Kind: "Pod", Name: "lone", Path: "metadata.labels", Line: 3,
				Message: `no NetworkPolicy of namespace "shop" selects the pod labels (none): the pod is not isolated`}}},
		{"CronJob", `apiVersion: batch/v1
kind: CronJob
metadata: {name: backup, namespace: shop}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        metadata:
          labels: {app: backup}
        spec:
          restartPolicy: Never
          containers: [{name: b, image: b:1}]
` + netPolicyDoc("shop", "  podSelector: {matchLabels: {app: web}}\n"),
			[]found{{Kind: "CronJob", Name: "backup", Path: "spec.jobTemplate.spec.template.metadata.labels", Line: 10,
				Message: `no NetworkPolicy of namespace "shop" selects the pod labels app=backup: the pod is not isolated`}}},
		{"no metadata.namespace on either side", `apiVersion: v1
kind: Pod
metadata: {name: lone, labels: {app: x}}
spec:
  containers: [{name: a, image: a:1}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p}
spec:
  podSelector: {matchLabels: {app: api}}
`, nil},
	})
}
