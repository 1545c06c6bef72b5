// Package pss gives Pod Security Standards verdicts exactly as upstream Pod
// Security Admission does (k8s.io/pod-security-admission/policy), and adds
// what a scanner needs on top: the check ID of each failure, the field paths
// that caused it, and a remediation.
package pss

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// Result is one failed upstream check.
type Result struct {
	ID     policy.CheckID
	Level  api.Level
	Reason string
	Detail string
	// fn is the versioned upstream check that failed, kept so Locate can
	// ask the same function about parts of the pod.
	fn policy.CheckPodFn
}

// Message is upstream's text: "reason (detail)".
func (r Result) Message() string {
	if r.Detail == "" {
		return r.Reason
	}
	return r.Reason + " (" + r.Detail + ")"
}

// Evaluator evaluates pods. It is safe for concurrent use.
type Evaluator struct {
	// upstream is built from upstream's own checks with each function
	// wrapped to tag its result, so the composition of checks per level and
	// version (overrides included) is upstream's, untouched.
	upstream policy.Evaluator
	checks   map[policy.CheckID]policy.Check
}

// tagSep joins the check ID to the reason inside a wrapped result; it can
// appear in no upstream reason.
const tagSep = "\x00"

// NewEvaluator builds an evaluator over upstream's default checks.
func NewEvaluator() (*Evaluator, error) {
	return newEvaluator(policy.DefaultChecks())
}

func newEvaluator(checks []policy.Check) (*Evaluator, error) {
	e := &Evaluator{checks: map[policy.CheckID]policy.Check{}}
	wrapped := make([]policy.Check, 0, len(checks))
	for _, c := range checks {
		e.checks[c.ID] = c
		wc := c
		wc.Versions = slices.Clone(c.Versions)
		for i := range wc.Versions {
			fn, id := wc.Versions[i].CheckPod, c.ID
			wc.Versions[i].CheckPod = func(m *metav1.ObjectMeta, s *corev1.PodSpec) policy.CheckResult {
				r := fn(m, s)
				if !r.Allowed {
					r.ForbiddenReason = string(id) + tagSep + r.ForbiddenReason
				}
				return r
			}
		}
		wrapped = append(wrapped, wc)
	}
	up, err := policy.NewEvaluator(wrapped, nil)
	if err != nil {
		return nil, fmt.Errorf("pod security checks: %w", err)
	}
	e.upstream = up
	return e, nil
}

// Evaluate returns the checks the pod fails at lv, in upstream's order.
func (e *Evaluator) Evaluate(lv api.LevelVersion, meta *metav1.ObjectMeta, spec *corev1.PodSpec) []Result {
	var out []Result
	for _, r := range e.upstream.EvaluatePod(lv, meta, spec) {
		if r.Allowed {
			continue
		}
		id, reason, _ := strings.Cut(r.ForbiddenReason, tagSep)
		c := e.checks[policy.CheckID(id)]
		out = append(out, Result{
			ID:     c.ID,
			Level:  c.Level,
			Reason: reason,
			Detail: r.ForbiddenDetail,
			fn:     versionedFn(c, lv.Version),
		})
	}
	return out
}

// EvaluatePod implements upstream's policy.Evaluator with untagged results,
// so upstream's admission package can run on the same evaluator.
func (e *Evaluator) EvaluatePod(lv api.LevelVersion, meta *metav1.ObjectMeta, spec *corev1.PodSpec) []policy.CheckResult {
	rs := e.upstream.EvaluatePod(lv, meta, spec)
	for i := range rs {
		if _, reason, ok := strings.Cut(rs[i].ForbiddenReason, tagSep); ok {
			rs[i].ForbiddenReason = reason
		}
	}
	return rs
}

// versionedFn is the check function upstream applies at version v: the
// one with the highest MinimumVersion not newer than v.
func versionedFn(c policy.Check, v api.Version) policy.CheckPodFn {
	var fn policy.CheckPodFn
	for _, vc := range c.Versions {
		if v.Latest() || !v.Older(vc.MinimumVersion) {
			fn = vc.CheckPod
		}
	}
	return fn
}

// CheckIDs lists upstream's default check IDs, sorted.
func CheckIDs() []policy.CheckID {
	var ids []policy.CheckID
	for _, c := range policy.DefaultChecks() {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	return ids
}

// Versions lists the Pod Security versions upstream supports: v1.0 up to
// the newest minor any check names, then "latest".
func Versions() []string {
	maxMinor := 0
	for _, c := range policy.DefaultChecks() {
		for _, v := range c.Versions {
			maxMinor = max(maxMinor, v.MinimumVersion.Minor())
		}
	}
	// The module's own minor can be newer than its newest check.
	if v := api.GetAPIVersion(); v.Major() == 1 && v.Minor() > maxMinor {
		maxMinor = v.Minor()
	}
	out := make([]string, 0, maxMinor+2)
	for i := 0; i <= maxMinor; i++ {
		out = append(out, fmt.Sprintf("v1.%d", i))
	}
	return append(out, "latest")
}
