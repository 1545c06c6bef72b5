package checks

import "slices"

// All lists every built-in check. Each group lives beside its checks;
// adding a check is one line in its group's list.
func All() []Check {
	return slices.Concat(workloadChecks(), networkChecks(), rbacChecks(), namespaceChecks())
}
