package checks

import "testing"

// netPolicyFirst is a NetworkPolicy of namespace shop whose podSelector is on
// line 5, before the web Deployment.
func netPolicyFirst(ns, selector string) string {
	return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: ` + ns + `}
spec:
  podSelector: ` + selector + `
  policyTypes: [Ingress]
---
` + netWebDeployment
}

func TestPolicySelectsNothing(t *testing.T) {
	fires := []found{{Kind: "NetworkPolicy", Name: "p", Path: "spec.podSelector", Line: 5,
		Message: `podSelector matches no workload of namespace "shop" in the input`}}
	runNetCases(t, "net/policy-selects-nothing", []netCase{
		{"typo", netPolicyFirst("shop", "{matchLabels: {app: wbe}}"), fires},
		{"selects", netPolicyFirst("shop", "{matchLabels: {app: web}}"), nil},
		{"NotIn excludes the only workload", netPolicyFirst("shop", "{matchExpressions: [{key: app, operator: NotIn, values: [web]}]}"), fires},
		{"empty selector", netPolicyFirst("shop", "{}"), nil},
		{"no workload of its namespace", netPolicyFirst("db", "{matchLabels: {app: postgres}}"), nil},
		{"same name in another namespace selects", netPolicyFirst("shop", "{matchLabels: {app: wbe}}") + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: other}
spec:
  podSelector: {matchLabels: {app: web}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: other, labels: {app: web}}
spec:
  containers: [{name: a, image: a:1}]
`, fires},
		{"no metadata.namespace", `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p}
spec:
  podSelector: {matchLabels: {app: wbe}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers: [{name: a, image: a:1}]
`, nil},
	})
}
