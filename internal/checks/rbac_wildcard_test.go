package checks

import "testing"

func TestRBACWildcard(t *testing.T) {
	runCases(t, "rbac/wildcard", []checkCase{
		{name: "every field", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: god
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
`, want: []found{
			{"ClusterRole", "god", "rules[0].apiGroups[0]", 6, `"*" in apiGroups grants the rule's resources in every API group, including CRDs installed later (rules[0].apiGroups[0])`},
			{"ClusterRole", "god", "rules[0].resources[0]", 7, `"*" in resources grants every resource of the rule's API groups, including ones added later (rules[0].resources[0])`},
			{"ClusterRole", "god", "rules[0].verbs[0]", 8, `"*" in verbs grants every verb on the rule's resources, present and future (rules[0].verbs[0])`},
		}},
		{name: "verbs in a later rule, block list, Role", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: op
  namespace: app
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get"]
- apiGroups:
  - example.com
  resources:
  - widgets
  verbs:
  - get
  - "*"
`, want: []found{
			{"Role", "op", "rules[1].verbs[1]", 16, `"*" in verbs grants every verb on the rule's resources, present and future (rules[1].verbs[1])`},
		}},
		{name: "partial wildcards and nonResourceURLs are not this check's", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: scaler
rules:
- apiGroups: ["apps"]
  resources: ["*/scale"]
  verbs: ["update"]
- nonResourceURLs: ["*"]
  verbs: ["get"]
`},
		{name: "v1beta1 and other groups' Role kinds are not RBAC v1", doc: `apiVersion: rbac.authorization.k8s.io/v1beta1
kind: ClusterRole
metadata:
  name: old
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
---
apiVersion: iam.example.com/v1
kind: Role
metadata:
  name: crd
rules:
- verbs: ["*"]
`},
	})
}
