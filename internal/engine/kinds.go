package engine

import "slices"

// CheckKinds lists, sorted, the kinds the enabled built-in checks look at
// besides workloads, so a stage that fetches objects (the cluster scan)
// fetches only what some check reads.
func (e *Engine) CheckKinds() []string {
	var out []string
	for i := range e.checks {
		for _, k := range e.checks[i].Kinds {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}
