package checks

import "testing"

func TestRBACEscalationVerbs(t *testing.T) {
	runCases(t, "rbac/escalation-verbs", []checkCase{
		{name: "bind and escalate on roles", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: rbac-manager
rules:
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "rolebindings", "clusterroles"]
  verbs: ["create", "bind", "escalate", "bind"]
`, want: []found{
			{"ClusterRole", "rbac-manager", "rules[0].verbs[1]", 8, `ClusterRole "rbac-manager" grants bind on roles, clusterroles: the subject can bind roles whose permissions it does not hold, cluster-admin included (rules[0].verbs[1])`},
			{"ClusterRole", "rbac-manager", "rules[0].verbs[2]", 8, `ClusterRole "rbac-manager" grants escalate on roles, clusterroles: the subject can write roles with permissions it does not hold (rules[0].verbs[2])`},
		}},
		{name: "impersonate in a Role, resources wildcard, resourceNames still reported", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: imp
  namespace: app
rules:
- apiGroups: [""]
  resources: ["serviceaccounts"]
  resourceNames: ["builder"]
  verbs:
  - impersonate
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["impersonate"]
- apiGroups: ["authentication.k8s.io"]
  resources: ["userextras/scopes"]
  verbs: ["impersonate"]
`, want: []found{
			{"Role", "imp", "rules[0].verbs[0]", 11, `Role "app/imp" grants impersonate on serviceaccounts: the subject can act as other users, groups or ServiceAccounts (rules[0].verbs[0])`},
			{"Role", "imp", "rules[1].verbs[0]", 14, `Role "app/imp" grants impersonate on *: the subject can act as other users, groups or ServiceAccounts (rules[1].verbs[0])`},
			{"Role", "imp", "rules[2].verbs[0]", 17, `Role "app/imp" grants impersonate on userextras/scopes: the subject can act as other users, groups or ServiceAccounts (rules[2].verbs[0])`},
		}},
		{name: "not reported: verbs *, verbs where they have no effect", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: r
rules:
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterroles"]
  verbs: ["*"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["bind", "impersonate"]
- apiGroups: ["example.com"]
  resources: ["roles"]
  verbs: ["escalate"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["users"]
  verbs: ["impersonate"]
`},
	})
}
