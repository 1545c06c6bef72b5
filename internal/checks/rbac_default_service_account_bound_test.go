package checks

import "testing"

func TestRBACDefaultServiceAccountBound(t *testing.T) {
	runCases(t, "rbac/default-service-account-bound", []checkCase{
		{name: "RoleBinding, namespace from the binding", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: default-edit
  namespace: app
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
- {kind: ServiceAccount, name: app}
- {kind: ServiceAccount, name: default}
`, want: []found{
			{"RoleBinding", "default-edit", "subjects[1]", 9, `the default ServiceAccount (ServiceAccount "app/default") gets ClusterRole "edit" in namespace "app": every pod of its namespace that names no serviceAccountName has it (subjects[1])`},
		}},
		{name: "ClusterRoleBinding", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: default-view
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- kind: ServiceAccount
  name: default
  namespace: kube-system
`, want: []found{
			{"ClusterRoleBinding", "default-view", "subjects[0]", 7, `the default ServiceAccount (ServiceAccount "kube-system/default") gets ClusterRole "view" in every namespace: every pod of its namespace that names no serviceAccountName has it (subjects[0])`},
		}},
		{name: "not reported: a user or group named default", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: x
  namespace: app
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects:
- {kind: User, name: default}
- {kind: Group, name: default}
`},
	})
}
