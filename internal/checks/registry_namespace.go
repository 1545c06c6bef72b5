package checks

// namespaceChecks lists the namespace checks, and the storage checks.
func namespaceChecks() []Check {
	return []Check{
		nsNoPSSEnforce,
		nsPrivilegedEnforce,
		nsStaleEnforceVersion,
		storageUnencryptedDisk,
	}
}
