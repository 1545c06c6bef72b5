package checks

import "testing"

func TestRBACClusterAdminBinding(t *testing.T) {
	runCases(t, "rbac/cluster-admin-binding", []checkCase{
		{name: "every non-system subject", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: admins
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- kind: Group
  apiGroup: rbac.authorization.k8s.io
  name: system:masters
- kind: ServiceAccount
  name: tiller
  namespace: kube-system
- kind: User
  apiGroup: rbac.authorization.k8s.io
  name: alice@example.com
- kind: User
  apiGroup: rbac.authorization.k8s.io
  name: system:kube-controller-manager
- kind: Group
  apiGroup: rbac.authorization.k8s.io
  name: system:serviceaccounts
- kind: User
  apiGroup: rbac.authorization.k8s.io
  name: system:serviceaccount:ci:deployer
- kind: Group
  apiGroup: rbac.authorization.k8s.io
  name: system:authenticated
`, want: []found{
			{"ClusterRoleBinding", "admins", "subjects[1]", 13, `ServiceAccount "kube-system/tiller" gets cluster-admin in every namespace (subjects[1])`},
			{"ClusterRoleBinding", "admins", "subjects[2]", 16, `User "alice@example.com" gets cluster-admin in every namespace (subjects[2])`},
			{"ClusterRoleBinding", "admins", "subjects[4]", 22, `Group "system:serviceaccounts" gets cluster-admin in every namespace (subjects[4])`},
			{"ClusterRoleBinding", "admins", "subjects[5]", 25, `User "system:serviceaccount:ci:deployer" gets cluster-admin in every namespace (subjects[5])`},
		}},
		{name: "RoleBinding, ServiceAccount without namespace", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: app-admin
  namespace: app
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: ServiceAccount, name: app}
`, want: []found{
			{"RoleBinding", "app-admin", "subjects[0]", 8, `ServiceAccount "app/app" gets cluster-admin in namespace "app" (subjects[0])`},
		}},
		{name: "not reported: other roles, a Role named cluster-admin", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: viewers
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: User, name: alice}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: local
  namespace: app
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cluster-admin}
subjects:
- {kind: User, name: alice}
`},
	})
}
