package engine

import (
	"context"
	"fmt"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
)

// policyFindings runs the custom Rego policies of Options.Policies on o.
// Their findings then go through the same check filters, severity
// overrides and exceptions as every other finding. A policy that fails to
// evaluate (a runtime error in its Rego) is an error on o, not a silent
// pass; the findings of the other policies are kept.
func (e *Engine) policyFindings(ctx context.Context, o *manifest.Object, inv *inventory.Inventory) ([]finding.Finding, *finding.Error) {
	if e.opts.Policies == nil {
		return nil, nil
	}
	fs, err := e.opts.Policies.Evaluate(ctx, o, inv)
	if err != nil {
		return fs, &finding.Error{File: o.Source.File, Line: o.Source.Line, Message: fmt.Sprintf("%s %s: policy: %v", o.Kind, o.Name, err)}
	}
	return fs, nil
}
