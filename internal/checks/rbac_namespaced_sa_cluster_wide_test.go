package checks

import "testing"

func TestRBACNamespacedSAClusterWide(t *testing.T) {
	runCases(t, "rbac/namespaced-sa-cluster-wide", []checkCase{
		{name: "role not in the input", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: app
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: app}
subjects:
- {kind: User, name: alice}
- {kind: ServiceAccount, name: app, namespace: shop}
`, want: []found{
			{"ClusterRoleBinding", "app", "subjects[1]", 8, `ServiceAccount "shop/app" gets ClusterRole "app" in every namespace; a RoleBinding per namespace would limit it (subjects[1])`},
		}},
		{name: "role in the input names its namespaced resources", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ksm
rules:
- apiGroups: [""]
  resources: ["nodes", "pods", "services", "configmaps", "secrets"]
  verbs: ["list", "watch"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ksm
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ksm}
subjects:
- {kind: ServiceAccount, name: ksm, namespace: monitoring}
`, want: []found{
			{"ClusterRoleBinding", "ksm", "subjects[0]", 19, `ServiceAccount "monitoring/ksm" gets ClusterRole "ksm" (pods, services, configmaps, ...) in every namespace; a RoleBinding per namespace would limit it (subjects[0])`},
		}},
		{name: "not reported: cluster-scoped only, auth-delegator, RoleBinding", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: nodes
rules:
- apiGroups: [""]
  resources: ["nodes", "nodes/metrics"]
  verbs: ["get"]
- apiGroups: ["authentication.k8s.io"]
  resources: ["tokenreviews"]
  verbs: ["create"]
- nonResourceURLs: ["/metrics"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: nodes
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: nodes}
subjects:
- {kind: ServiceAccount, name: agent, namespace: monitoring}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: auth
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:auth-delegator}
subjects:
- {kind: ServiceAccount, name: metrics-server, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: app
  namespace: app
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
- {kind: ServiceAccount, name: app, namespace: app}
`},
	})
}
