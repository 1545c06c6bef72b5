package engine

import (
	"context"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/policy"
	"github.com/palisade-dev/palisade/internal/workload"
)

// EvaluateExtras is EvaluateObject for the admission webhook: the findings
// of every enabled check and custom policy except the Pod Security checks,
// with the same filters, severity overrides and exceptions. The webhook has
// upstream's admission package judge Pod Security itself (with its modes,
// exemptions and messages), so the pss checks are not run a second time;
// and it already holds the pod decoded typed from the AdmissionReview, so
// w (nil for objects that run no pods) is used instead of converting
// o.Content again, which is most of the cost of a request.
//
// ctx bounds the custom policies' evaluation (a Rego policy still running
// when it is done stops), and carries the admission request Gatekeeper
// constraints review the object in (WithAdmissionRequest).
func (e *Engine) EvaluateExtras(ctx context.Context, o *manifest.Object, w *workload.Workload, inv *inventory.Inventory) ([]finding.Finding, *finding.Error) {
	return e.evaluate(ctx, nil, o, w, inv)
}

// WithAdmissionRequest has Gatekeeper constraints see input.review as
// Gatekeeper builds it at admission: request gives the AdmissionRequest as
// JSON (uid, operation, userInfo, oldObject, dryRun, ...), without its
// object, which is the object evaluated. It is called only when some
// constraint matches.
func WithAdmissionRequest(ctx context.Context, request func() map[string]any) context.Context {
	return policy.WithRequest(ctx, request)
}

// PolicyAction is the enforcement action (deny, warn, dryrun) a custom
// policy declares for one of its rule IDs (a Gatekeeper constraint's
// spec.enforcementAction; deny for Conftest deny/violation rules, warn for
// warn rules), or "" for IDs that are not custom policies. The webhook
// uses it when its own configuration names no action for the rule.
func (e *Engine) PolicyAction(ruleID string) string { return e.opts.Policies.Action(ruleID) }
