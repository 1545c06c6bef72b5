package checks

// rbacChecks lists the rbac checks.
func rbacChecks() []Check {
	return []Check{
		rbacWildcard,
		rbacSecretsReadClusterWide,
		rbacEscalationVerbs,
		rbacPodExecAndProxy,
		rbacWebhookConfigWrite,
		rbacClusterAdminBinding,
		rbacAnonymousBinding,
		rbacNamespacedSAClusterWide,
		rbacDefaultServiceAccountBound,
		rbacUnusedRole,
		rbacBindingMissingRole,
	}
}
