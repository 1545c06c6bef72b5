package checks

// networkChecks lists the network checks.
func networkChecks() []Check {
	return []Check{}
}
