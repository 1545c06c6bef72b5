package webhook

import (
	"context"
	"fmt"
	"slices"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/manifest"
)

// extrasResult is what the engine's other checks say about one request,
// sorted by enforcement action; each entry reads "[check] message (path)".
type extrasResult struct {
	deny, warn, dryrun []string
	// ids of deny, warn and dryrun, for the violation metrics.
	ids      map[string][]string
	excepted []string
	errs     []string
}

// evaluateExtras runs the engine's other checks on the object under
// review (Pod Security is upstream's, in podSecurity) and sorts their
// findings by the configured enforcement action.
//
// On UPDATE, a finding the old object already had is never denied, only
// warned: as with upstream's update exemptions, an object that predates a
// policy must stay updatable (labels, finalizers, scaling, its deletion)
// as long as the update adds no violation.
func (s *Server) evaluateExtras(ctx context.Context, d *decoded) extrasResult {
	var res extrasResult
	req := d.req
	if d.obj == nil || (req.Operation != admissionv1.Create && req.Operation != admissionv1.Update) {
		return res
	}
	// Subresources carry another kind (Scale, Binding, ...) or only
	// status; ephemeral containers change the pod spec, so they count.
	if req.SubResource != "" && req.SubResource != "ephemeralcontainers" {
		return res
	}
	// Gatekeeper constraints review the object within its request, as at
	// Gatekeeper's admission (operation, userInfo, oldObject...).
	ctx = engine.WithAdmissionRequest(ctx, d.requestJSON)
	fs, err := s.extrasOf(ctx, d, d.obj, false)
	if err != "" {
		res.errs = append(res.errs, err)
	}
	var before map[string]bool
	if d.old != nil {
		oldFs, _ := s.extrasOf(ctx, d, d.old, true)
		before = make(map[string]bool, len(oldFs))
		for _, f := range oldFs {
			before[findingKey(f)] = true
		}
	}
	finding.Sort(fs) // deterministic warnings and messages
	res.ids = map[string][]string{}
	for _, f := range fs {
		if f.Suppressed {
			res.excepted = append(res.excepted, f.Check+" (by exception)")
			continue
		}
		action := s.action(f.Check)
		text := describe(f)
		if action == config.ActionDeny && before[findingKey(f)] {
			action = config.ActionWarn
			text += " [already present before this update, so not denied]"
		}
		switch action {
		case config.ActionDeny:
			res.deny = append(res.deny, text)
		case config.ActionWarn:
			res.warn = append(res.warn, text)
		default:
			res.dryrun = append(res.dryrun, text)
		}
		if !slices.Contains(res.ids[action], f.Check) {
			res.ids[action] = append(res.ids[action], f.Check)
		}
	}
	return res
}

// extrasOf evaluates one object (the new or the old one); a non-empty
// string says what could not be evaluated.
func (s *Server) extrasOf(ctx context.Context, d *decoded, o *manifest.Object, old bool) ([]finding.Finding, string) {
	w, err := d.workload(o, old)
	if err != nil {
		return nil, fmt.Sprintf("%s %s: %v", o.Kind, o.Name, err)
	}
	fs, ferr := s.extras.EvaluateExtras(ctx, o, w, s.inv)
	if ferr != nil {
		return fs, ferr.Message
	}
	return fs, ""
}

// action is the enforcement action for findings of check: the webhook
// configuration's actions entry naming it, else what a custom policy
// declares for itself (Gatekeeper's enforcementAction), else the
// configured default.
func (s *Server) action(check string) string {
	if a, ok := s.cfg.ExplicitAction(check); ok {
		return a
	}
	if a := s.engine.PolicyAction(check); a == config.ActionDeny || a == config.ActionWarn || a == config.ActionDryRun {
		return a
	}
	return s.cfg.Action(check)
}

// findingKey identifies a finding across the old and new object.
func findingKey(f finding.Finding) string { return f.Check + "\x00" + f.Path + "\x00" + f.Message }

// describe is how a finding reads in warnings, denials and annotations:
// the check ID first, so it can be grepped and excepted, and the field
// path last (most checks already end their message with it).
func describe(f finding.Finding) string {
	s := "[" + f.Check + "] " + f.Message
	if f.Path != "" && !strings.HasSuffix(f.Message, "("+f.Path+")") {
		s += " (" + f.Path + ")"
	}
	return s
}
