package checks

import "testing"

func TestRBACPodExecAndProxy(t *testing.T) {
	runCases(t, "rbac/pod-exec-and-proxy", []checkCase{
		{name: "exec, attach, portforward in a Role", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: debug
  namespace: app
rules:
- apiGroups: [""]
  resources: ["pods", "pods/exec", "pods/attach"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["pods/portforward"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["serviceaccounts/token"]
  verbs: ["create"]
`, want: []found{
			{"Role", "debug", "rules[0].resources[1]", 8, `Role "app/debug" grants create on pods/exec: the subject can run commands in containers (rules[0].resources[1])`},
			{"Role", "debug", "rules[0].resources[2]", 8, `Role "app/debug" grants create on pods/attach: the subject can attach to the processes of containers (rules[0].resources[2])`},
			{"Role", "debug", "rules[1].resources[0]", 11, `Role "app/debug" grants get on pods/portforward: the subject can reach any port of pods, past NetworkPolicies (rules[1].resources[0])`},
			{"Role", "debug", "rules[2].resources[0]", 14, `Role "app/debug" grants create on serviceaccounts/token: the subject can mint tokens of ServiceAccounts (rules[2].resources[0])`},
		}},
		{name: "node proxy any verb, CSR approval, */exec, verbs *", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: agent
rules:
- apiGroups: [""]
  resources: ["nodes", "nodes/proxy", "nodes/metrics"]
  verbs: ["get", "list", "get"]
- apiGroups: ["certificates.k8s.io"]
  resources: ["certificatesigningrequests/approval"]
  verbs: ["update"]
- apiGroups: ["*"]
  resources: ["*/exec"]
  verbs: ["*"]
`, want: []found{
			{"ClusterRole", "agent", "rules[0].resources[1]", 7, `ClusterRole "agent" grants get, list on nodes/proxy: the subject can use the whole kubelet API, including exec in every pod of a node (rules[0].resources[1])`},
			{"ClusterRole", "agent", "rules[1].resources[0]", 10, `ClusterRole "agent" grants update on certificatesigningrequests/approval: the subject can approve certificate requests, such as client certificates for any user (rules[1].resources[0])`},
			{"ClusterRole", "agent", "rules[2].resources[0]", 13, `ClusterRole "agent" grants every verb ("*") on pods/exec (through "*/exec"): the subject can run commands in containers (rules[2].resources[0])`},
		}},
		{name: "Kubernetes' default roles are skipped, look-alikes are not", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:aggregate-to-edit
  labels:
    kubernetes.io/bootstrapping: rbac-defaults
    rbac.authorization.k8s.io/aggregate-to-edit: "true"
rules:
- apiGroups: [""]
  resources: ["pods/exec"]
  verbs: ["create"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: my-edit
  labels:
    kubernetes.io/bootstrapping: rbac-defaults
rules:
- apiGroups: [""]
  resources: ["pods/exec"]
  verbs: ["create"]
`, want: []found{
			{"ClusterRole", "my-edit", "rules[0].resources[0]", 21, `ClusterRole "my-edit" grants create on pods/exec: the subject can run commands in containers (rules[0].resources[0])`},
		}},
		{name: "not reported: read verbs, resources *, wrong group, cluster-scoped in a Role", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: r
rules:
- apiGroups: [""]
  resources: ["pods/exec", "pods/attach"]
  verbs: ["list", "watch"]
- apiGroups: [""]
  resources: ["*"]
  verbs: ["*"]
- apiGroups: ["apps"]
  resources: ["pods/exec"]
  verbs: ["create"]
- apiGroups: ["certificates.k8s.io"]
  resources: ["certificatesigningrequests/approval"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["serviceaccounts/token"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: r
  namespace: app
rules:
- apiGroups: [""]
  resources: ["nodes/proxy"]
  verbs: ["get"]
`},
	})
}
