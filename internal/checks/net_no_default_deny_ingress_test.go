package checks

import "testing"

// netNSWithPod is a Namespace (metadata.name on line 4) and a Pod in it.
const netNSWithPod = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  containers:
  - {name: web, image: web:1}
`

func netPolicyDoc(ns, spec string) string {
	return "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: " + ns + "}\nspec:\n" + spec
}

func TestNoDefaultDenyIngress(t *testing.T) {
	fires := []found{{Kind: "Namespace", Name: "shop", Path: "metadata.name", Line: 4,
		Message: `namespace "shop" runs workloads but no NetworkPolicy denies ingress by default (podSelector: {}, policyTypes: [Ingress], no ingress rules)`}}
	runNetCases(t, "net/no-default-deny-ingress", []netCase{
		{"no policy", netNSWithPod, fires},
		{"policyTypes omitted defaults to Ingress", netNSWithPod + netPolicyDoc("shop", "  podSelector: {}\n"), nil},
		{"explicit Ingress", netNSWithPod + netPolicyDoc("shop", "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n"), nil},
		{"empty ingress list", netNSWithPod + netPolicyDoc("shop", "  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: []\n"), nil},
		{"egress only", netNSWithPod + netPolicyDoc("shop", "  podSelector: {}\n  policyTypes: [Egress]\n"), fires},
		{"omitted with egress rules still denies ingress", netNSWithPod + netPolicyDoc("shop", "  podSelector: {}\n  egress: [{}]\n"), nil},
		{"allow-all rule", netNSWithPod + netPolicyDoc("shop", "  podSelector: {}\n  ingress: [{}]\n"), fires},
		{"rule allowing the namespace", netNSWithPod + netPolicyDoc("shop", "  podSelector: {}\n  ingress:\n  - from: [{podSelector: {}}]\n"), fires},
		{"selector not empty", netNSWithPod + netPolicyDoc("shop", "  podSelector: {matchLabels: {app: web}}\n"), fires},
		{"expression selector", netNSWithPod + netPolicyDoc("shop", "  podSelector:\n    matchExpressions: [{key: app, operator: Exists}]\n"), fires},
		{"deny in another namespace", netNSWithPod + netPolicyDoc("other", "  podSelector: {}\n"), fires},
		{"namespace without workloads", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n", nil},
		{"workload without metadata.namespace", `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: web, image: web:1}]
`, nil},
		{"not a core Namespace", `apiVersion: example.com/v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers: [{name: web, image: web:1}]
`, nil},
	})
}
