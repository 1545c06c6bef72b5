package checks

import "testing"

const missingRoleRole = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
  namespace: app
---
`

func TestRBACBindingMissingRole(t *testing.T) {
	runCases(t, "rbac/binding-missing-role", []checkCase{
		{name: "missing Role and ClusterRole", doc: missingRoleRole + `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
  namespace: other
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: operator
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: operator
`, want: []found{
			{"RoleBinding", "reader", "roleRef.name", 15, `roleRef names Role "other/reader", which is not in the input (roleRef.name)`},
			{"ClusterRoleBinding", "operator", "roleRef.name", 24, `roleRef names ClusterRole "operator", which is not in the input (roleRef.name)`},
		}},
		{name: "no role in the input: silent", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: operator
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: operator}
`},
		{name: "not reported: present roles, built-in ClusterRoles", doc: missingRoleRole + `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
  namespace: app
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: editors
  namespace: app
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: auth
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:auth-delegator}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: auth-reader
  namespace: kube-system
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: extension-apiserver-authentication-reader}
`},
	})
}
