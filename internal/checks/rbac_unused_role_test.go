package checks

import "testing"

const unusedRoleBinding = `---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: used
  namespace: app
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: used}
subjects:
- {kind: ServiceAccount, name: app}
`

func TestRBACUnusedRole(t *testing.T) {
	runCases(t, "rbac/unused-role", []checkCase{
		{name: "unbound Role and ClusterRole", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: used
  namespace: app
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: used
  namespace: other
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: used
` + unusedRoleBinding, want: []found{
			{"Role", "used", "metadata.name", 10, `Role "other/used" is referenced by no RoleBinding in the input (metadata.name)`},
			{"ClusterRole", "used", "metadata.name", 16, `ClusterRole "used" is referenced by no RoleBinding or ClusterRoleBinding in the input (metadata.name)`},
		}},
		{name: "no binding in the input: silent", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: lonely
`},
		{name: "not reported: system, aggregated, aggregate-to, bootstrapping, unnamespaced Role, ClusterRole via RoleBinding", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:thing
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {rbac.example.com/aggregate-to-monitoring: "true"}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: widgets-edit
  labels: {rbac.authorization.k8s.io/aggregate-to-edit: "true"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: boot
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: used
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
  namespace: app
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
` + unusedRoleBinding},
	})
}
