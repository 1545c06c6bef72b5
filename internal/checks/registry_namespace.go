package checks

// namespaceChecks lists the namespace checks.
func namespaceChecks() []Check {
	return []Check{}
}
