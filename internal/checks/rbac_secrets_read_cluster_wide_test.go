package checks

import "testing"

const secretReaderRole = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
rules:
- apiGroups: [""]
  resources: ["configmaps", "secrets"]
  verbs: ["get", "list"]
`

func TestRBACSecretsReadClusterWide(t *testing.T) {
	runCases(t, "rbac/secrets-read-cluster-wide", []checkCase{
		{name: "no binding in the input", doc: secretReaderRole, want: []found{
			{"ClusterRole", "reader", "rules[0].resources[1]", 7, `ClusterRole "reader" grants get, list on secrets once a ClusterRoleBinding grants it, in every namespace (rules[0].resources[1])`},
		}},
		{name: "bound by a ClusterRoleBinding", doc: secretReaderRole + `---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: in-app
  namespace: app
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: everywhere
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
`, want: []found{
			{"ClusterRole", "reader", "rules[0].resources[1]", 7, `ClusterRole "reader" grants get, list on secrets in every namespace through ClusterRoleBinding "everywhere" (rules[0].resources[1])`},
		}},
		{name: "bound only by RoleBindings", doc: secretReaderRole + `---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: in-app
  namespace: app
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
`},
		{name: "verb wildcard, wildcard group, watch only", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: r
rules:
- apiGroups: ["*"]
  resources: ["secrets"]
  verbs: ["*"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["watch", "create"]
`, want: []found{
			{"ClusterRole", "r", "rules[0].resources[0]", 7, `ClusterRole "r" grants every verb ("*") on secrets once a ClusterRoleBinding grants it, in every namespace (rules[0].resources[0])`},
			{"ClusterRole", "r", "rules[1].resources[0]", 10, `ClusterRole "r" grants watch on secrets once a ClusterRoleBinding grants it, in every namespace (rules[1].resources[0])`},
		}},
		{name: "not reported: resources *, resourceNames, write-only, other group, Role", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: r
rules:
- apiGroups: [""]
  resources: ["*"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["secrets"]
  resourceNames: ["ca"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["create", "delete"]
- apiGroups: ["example.com"]
  resources: ["secrets"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: r
  namespace: app
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
`},
	})
}
