package checks

// rbacChecks lists the rbac checks.
func rbacChecks() []Check {
	return []Check{}
}
