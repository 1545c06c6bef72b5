package config

import (
	"fmt"
	"path"
	"time"
)

// Enforcement actions of the extra checks in `palisade serve`, named as
// Gatekeeper names them so teams moving from it keep their vocabulary.
const (
	// ActionDeny rejects the request, with the check IDs in the message.
	ActionDeny = "deny"
	// ActionWarn admits it with a warning the client prints.
	ActionWarn = "warn"
	// ActionDryRun admits it silently: the finding only reaches the audit
	// log (auditAnnotations), the metrics and the server's log.
	ActionDryRun = "dryrun"
)

// Failure policies: how `palisade serve` answers a request it could not
// judge (a recovered panic, its own deadline, overload). They mirror the
// ValidatingWebhookConfiguration's failurePolicy, which covers the cases
// where palisade cannot answer at all.
const (
	FailurePolicyFail   = "Fail"
	FailurePolicyIgnore = "Ignore"
)

// WebhookConfig is the `webhook:` section: how `palisade serve` turns the
// findings of the extra checks (everything but pss/*, whose verdicts come
// from upstream Pod Security Admission) into admission answers. Zero values
// mean the defaults of docs/webhook.md.
type WebhookConfig struct {
	// EnforcementAction applies to checks no entry of Actions names:
	// deny, warn or dryrun (default warn, so enabling the webhook never
	// starts rejecting on best-practice checks by surprise).
	EnforcementAction string `yaml:"enforcementAction"`
	// Actions set the action of the checks matching their globs; the
	// first matching entry wins, so list specific checks before globs.
	Actions []WebhookAction `yaml:"actions"`
	// FailurePolicy: Fail (deny, the default) or Ignore (admit with a
	// warning). Keep it equal to the failurePolicy of the webhook
	// configuration, so both failure paths agree.
	FailurePolicy string `yaml:"failurePolicy"`
	// Timeout bounds the evaluation of one request (default 8s). The
	// server also stays below the API server's own timeout for the call,
	// which it learns from the request, so the answer is its own and not
	// the API server's failure policy.
	Timeout time.Duration `yaml:"timeout"`
	// MaxRequestBytes bounds an AdmissionReview body (default 4 MiB: etcd
	// stores objects of at most 1.5 MiB, and an UPDATE carries the old and
	// the new object).
	MaxRequestBytes int64 `yaml:"maxRequestBytes"`
	// MaxInFlight bounds the requests read and evaluated at once (default
	// 16 per CPU; a review takes well under a millisecond of CPU); more
	// wait for a slot until their deadline, then get a 503.
	MaxInFlight int `yaml:"maxInFlight"`
	// DryRun admits everything; what would have been denied is logged and
	// counted (also --dry-run).
	DryRun bool `yaml:"dryRun"`
	// Inventory lists kinds (e.g. Ingress) whose objects the server keeps
	// in data.inventory from the cluster, besides those the policies name
	// literally. Needed only for policies that read data.inventory by a
	// variable kind; the server's RBAC must allow get/list/watch on them.
	Inventory []string `yaml:"inventory"`
}

// WebhookAction sets the enforcement action of some checks.
type WebhookAction struct {
	// Checks are globs over check IDs, e.g. "bp/*" or "net/nodeport-service".
	Checks            []string `yaml:"checks"`
	EnforcementAction string   `yaml:"enforcementAction"`
}

// Webhook defaults, also used when the section is absent.
const (
	DefaultWebhookTimeout         = 8 * time.Second
	DefaultWebhookMaxRequestBytes = 4 << 20
	DefaultWebhookInFlightPerCPU  = 16
)

func validAction(a string) bool {
	return a == ActionDeny || a == ActionWarn || a == ActionDryRun
}

// Validate reports values that parse as YAML but make no sense.
func (w *WebhookConfig) Validate() error {
	if w.EnforcementAction != "" && !validAction(w.EnforcementAction) {
		return fmt.Errorf("webhook.enforcementAction %q: want deny, warn or dryrun", w.EnforcementAction)
	}
	for i, a := range w.Actions {
		if !validAction(a.EnforcementAction) {
			return fmt.Errorf("webhook.actions[%d].enforcementAction %q: want deny, warn or dryrun", i, a.EnforcementAction)
		}
		if len(a.Checks) == 0 {
			return fmt.Errorf("webhook.actions[%d] lists no checks", i)
		}
		for _, g := range a.Checks {
			if _, err := path.Match(g, ""); err != nil {
				return fmt.Errorf("webhook.actions[%d]: bad check pattern %q", i, g)
			}
		}
	}
	switch w.FailurePolicy {
	case "", FailurePolicyFail, FailurePolicyIgnore:
	default:
		return fmt.Errorf("webhook.failurePolicy %q: want Fail or Ignore", w.FailurePolicy)
	}
	switch {
	case w.Timeout < 0:
		return fmt.Errorf("webhook.timeout must not be negative")
	case w.MaxRequestBytes < 0:
		return fmt.Errorf("webhook.maxRequestBytes must not be negative")
	case w.MaxInFlight < 0:
		return fmt.Errorf("webhook.maxInFlight must not be negative")
	}
	return nil
}

// Action is the enforcement action for findings of check: that of the
// first entry of Actions matching it, else EnforcementAction, else warn.
func (w *WebhookConfig) Action(check string) string {
	if a, ok := w.ExplicitAction(check); ok {
		return a
	}
	if w.EnforcementAction != "" {
		return w.EnforcementAction
	}
	return ActionWarn
}

// ExplicitAction is the action of the first entry of Actions matching
// check, if any. A custom policy's own action (a Gatekeeper constraint's
// enforcementAction) applies between this and the default.
func (w *WebhookConfig) ExplicitAction(check string) (string, bool) {
	for _, a := range w.Actions {
		for _, g := range a.Checks {
			if ok, _ := path.Match(g, check); ok {
				return a.EnforcementAction, true
			}
		}
	}
	return "", false
}
