package checks

import "testing"

func TestBPAutomountServiceAccountToken(t *testing.T) {
	const deploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      serviceAccountName: web
      containers:
      - name: app
        image: app:1
`
	want := []bpWant{{8, "spec.template.spec.automountServiceAccountToken",
		`pod does not set automountServiceAccountToken: false, and no binding in the input grants its ServiceAccount "web" any role, so it seems not to need the API (spec.template.spec.automountServiceAccountToken)`}}
	bpTable(t, "bp/automount-service-account-token", []bpCase{{
		name: "not set, no binding",
		doc:  deploy,
		want: want,
	}, {
		name: "false at pod level",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  automountServiceAccountToken: false
  containers:
  - name: app
    image: app:1
`,
	}, {
		name: "true says the pod needs the API",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  automountServiceAccountToken: true
  containers:
  - name: app
    image: app:1
`,
	}, {
		name: "default ServiceAccount",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: app
    image: app:1
`,
		want: []bpWant{{5, "spec.automountServiceAccountToken",
			`pod does not set automountServiceAccountToken: false, and no binding in the input grants its ServiceAccount "default" any role, so it seems not to need the API (spec.automountServiceAccountToken)`}},
	}, {
		name: "bound by a RoleBinding (subject namespace from the binding)",
		doc: deploy + `---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: web
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
subjects:
- kind: ServiceAccount
  name: web
`,
	}, {
		name: "bound in another namespace",
		doc: deploy + `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: web
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- kind: ServiceAccount
  name: web
  namespace: other
`,
		want: want,
	}, {
		name: "bound only to a role that grants use of a PodSecurityPolicy, or through a group",
		doc: deploy + `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: psp
rules:
- apiGroups: [policy]
  resources: [podsecuritypolicies]
  verbs: [use]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: psp
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: psp
subjects:
- kind: ServiceAccount
  name: web
  namespace: shop
- kind: Group
  name: system:serviceaccounts
`,
		want: want,
	}})
}
