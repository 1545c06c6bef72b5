package checks

import "testing"

func TestRBACAnonymousBinding(t *testing.T) {
	runCases(t, "rbac/anonymous-binding", []checkCase{
		{name: "GKE guide example: system:authenticated", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: pod-reader-binding
  namespace: accounting
subjects:
- kind: Group
  name: system:authenticated
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role
  name: pod-reader
  apiGroup: rbac.authorization.k8s.io
`, want: []found{
			{"RoleBinding", "pod-reader-binding", "subjects[0]", 7, `Group "system:authenticated" (every authenticated user; on GKE any Google account) gets Role "accounting/pod-reader" in namespace "accounting" (subjects[0])`},
		}},
		{name: "anonymous user and unauthenticated group, cluster-wide", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: open
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: User, name: system:anonymous}
- {kind: Group, name: system:unauthenticated}
- {kind: Group, name: ops}
`, want: []found{
			{"ClusterRoleBinding", "open", "subjects[0]", 7, `User "system:anonymous" (every unauthenticated request) gets ClusterRole "cluster-admin" in every namespace (subjects[0])`},
			{"ClusterRoleBinding", "open", "subjects[1]", 8, `Group "system:unauthenticated" (every unauthenticated request) gets ClusterRole "cluster-admin" in every namespace (subjects[1])`},
		}},
		{name: "not reported: Kubernetes' discovery bindings, a user named like the group", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:discovery
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:discovery}
subjects:
- {kind: Group, name: system:authenticated}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: x
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: User, name: system:authenticated}
`},
	})
}
