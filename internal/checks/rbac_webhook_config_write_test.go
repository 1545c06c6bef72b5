package checks

import "testing"

func TestRBACWebhookConfigWrite(t *testing.T) {
	runCases(t, "rbac/webhook-config-write", []checkCase{
		{name: "both kinds, resourceNames noted", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: injector
rules:
- apiGroups: ["admissionregistration.k8s.io"]
  resources: ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"]
  verbs: ["get", "update", "patch"]
- apiGroups: ["*"]
  resources: ["mutatingwebhookconfigurations"]
  resourceNames: ["mine"]
  verbs: ["*"]
`, want: []found{
			{"ClusterRole", "injector", "rules[0].resources[0]", 7, `ClusterRole "injector" grants update, patch on validatingwebhookconfigurations: the subject can disable or redirect admission webhooks (rules[0].resources[0])`},
			{"ClusterRole", "injector", "rules[0].resources[1]", 7, `ClusterRole "injector" grants update, patch on mutatingwebhookconfigurations: the subject can disable or redirect admission webhooks (rules[0].resources[1])`},
			{"ClusterRole", "injector", "rules[1].resources[0]", 10, `ClusterRole "injector" grants every verb ("*") on mutatingwebhookconfigurations (limited to resourceNames): the subject can disable or redirect admission webhooks (rules[1].resources[0])`},
		}},
		{name: "not reported: read-only, resources *, other group, Role", doc: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: r
rules:
- apiGroups: ["admissionregistration.k8s.io"]
  resources: ["validatingwebhookconfigurations"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["admissionregistration.k8s.io"]
  resources: ["*"]
  verbs: ["delete"]
- apiGroups: ["example.com"]
  resources: ["mutatingwebhookconfigurations"]
  verbs: ["create"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: r
  namespace: app
rules:
- apiGroups: ["admissionregistration.k8s.io"]
  resources: ["validatingwebhookconfigurations"]
  verbs: ["create"]
`},
	})
}
