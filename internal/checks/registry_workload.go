package checks

// workloadChecks lists the workload checks.
func workloadChecks() []Check {
	return []Check{
		bpCPURequests,
		bpMemoryRequests,
		bpCPULimits,
		bpMemoryLimits,
		bpNamespaceWithoutLimits,
		bpReadonlyRootFilesystem,
		bpAutomountServiceAccountToken,
		bpDefaultServiceAccount,
		bpImageLatest,
		bpImageNotPinned,
		bpUntrustedRegistry,
		bpSecretInEnv,
		bpSensitiveHostPath,
		bpHostAliases,
		bpShareProcessNamespace,
		bpDangerousCapabilities,
		bpHighPriorityClass,
	}
}
