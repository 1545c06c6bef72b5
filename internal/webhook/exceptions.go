package webhook

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/palisade-dev/palisade/internal/exception"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/pss"
)

// subject is what Palisade exceptions are matched against while upstream's
// admission judges one request: the object under review, or (for a Pod,
// and for the existing pods a namespace-label change re-evaluates) the pod
// whose metadata upstream hands to the evaluator.
type subject struct {
	// kind, namespace, name and annotations of the object under review.
	kind, namespace, name string
	annotations           map[string]string
	// fromMeta: the pod is described by the metadata upstream passes to
	// EvaluatePod (its name, annotations and owners), not by the request.
	fromMeta bool
}

// exceptingEvaluator is the policy.Evaluator upstream's admission package
// runs for one request. It asks palisade's Pod Security evaluator (the
// same upstream checks, tagged with their IDs) and drops the failures that
// a Palisade exception covers for the object under review, so exceptions
// reach enforce, audit and warn, and the namespace-label-change warnings,
// through upstream's own code paths. It is built per request and is not
// safe for concurrent use; upstream calls it sequentially.
type exceptingEvaluator struct {
	pss  *pss.Evaluator
	list *exception.List
	now  time.Time
	subj subject

	// What the request's evaluations found, for metrics, audit
	// annotations and warnings, deduplicated across the enforce, audit and
	// warn levels upstream evaluates in turn.
	failed   []string // check IDs (pss/...) that still failed
	excepted []string // "pss/x (by source)"
	expired  []string // warnings about expired exceptions
	badNote  []string // malformed palisade.dev/exempt annotations
}

var _ policy.Evaluator = (*exceptingEvaluator)(nil)

// EvaluatePod implements policy.Evaluator. Only failures are returned:
// upstream aggregates failures and ignores passes.
func (e *exceptingEvaluator) EvaluatePod(lv api.LevelVersion, meta *metav1.ObjectMeta, spec *corev1.PodSpec) []policy.CheckResult {
	rs := e.pss.Evaluate(lv, meta, spec)
	if len(rs) == 0 {
		return nil
	}
	out := make([]policy.CheckResult, 0, len(rs))
	var (
		targets   []finding.Resource
		annotated *exception.Entry
	)
	if (e.list != nil && len(e.list.Exceptions) > 0) || e.hasAnnotation(meta) {
		targets, annotated = e.targets(meta)
	}
	for _, r := range rs {
		id := "pss/" + string(r.ID)
		if by := e.exceptedBy(id, targets, annotated); by != "" {
			addOnce(&e.excepted, id+" (by "+by+")")
			continue
		}
		addOnce(&e.failed, id)
		out = append(out, policy.CheckResult{Allowed: false, ForbiddenReason: r.Reason, ForbiddenDetail: r.Detail})
	}
	return out
}

func (e *exceptingEvaluator) hasAnnotation(meta *metav1.ObjectMeta) bool {
	if e.subj.fromMeta {
		_, ok := meta.Annotations[exception.AnnotationExempt]
		return ok
	}
	_, ok := e.subj.annotations[exception.AnnotationExempt]
	return ok
}

// targets lists the resources an exception may name to cover this pod,
// and the pod's own palisade.dev/exempt annotation.
//
// For a controller it is the controller itself, exactly as `palisade scan`
// sees it. For a pod it is the pod, and also the controller that owns it
// per its ownerReferences (and the Deployment or CronJob above a
// ReplicaSet or Job, by the names their controllers derive), because
// admission enforces on pods: an exception for "DaemonSet node-exporter"
// that did not reach its pods would be one in name only. Owner references
// are written by whoever creates the pod; someone who may create pods in
// that namespace can claim an owner, so scope exceptions by namespace.
func (e *exceptingEvaluator) targets(meta *metav1.ObjectMeta) ([]finding.Resource, *exception.Entry) {
	annotations := e.subj.annotations
	if !e.subj.fromMeta {
		t := []finding.Resource{{Kind: e.subj.kind, Namespace: e.subj.namespace, Name: e.subj.name}}
		return t, e.annotated(annotations)
	}
	annotations = meta.Annotations
	ns := cmpOr(meta.Namespace, e.subj.namespace)
	t := []finding.Resource{{APIVersion: "v1", Kind: "Pod", Namespace: ns, Name: cmpOr(meta.Name, e.subj.name, meta.GenerateName)}}
	if o := metav1.GetControllerOfNoCopy(meta); o != nil {
		t = append(t, finding.Resource{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: ns, Name: o.Name})
		switch {
		case o.Kind == "ReplicaSet" && meta.Labels["pod-template-hash"] != "":
			// The Deployment controller names ReplicaSets <deployment>-<hash>.
			if d, ok := strings.CutSuffix(o.Name, "-"+meta.Labels["pod-template-hash"]); ok {
				t = append(t, finding.Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: d})
			}
		case o.Kind == "Job":
			// The CronJob controller names Jobs <cronjob>-<minutes since epoch>.
			if i := strings.LastIndexByte(o.Name, '-'); i > 0 && isDigits(o.Name[i+1:]) {
				t = append(t, finding.Resource{APIVersion: "batch/v1", Kind: "CronJob", Namespace: ns, Name: o.Name[:i]})
			}
		}
	}
	return t, e.annotated(annotations)
}

func (e *exceptingEvaluator) annotated(annotations map[string]string) *exception.Entry {
	a, err := exception.FromAnnotations(annotations)
	if err != nil {
		addOnce(&e.badNote, fmt.Sprintf("%s ignored: %v", exception.AnnotationExempt, err))
		return nil
	}
	return a
}

// exceptedBy names the exception covering check on any of targets, or "".
// Expired exceptions do not cover; they are noted once, so the user learns
// why a finding is back, as `palisade scan` reports exception/expired.
func (e *exceptingEvaluator) exceptedBy(check string, targets []finding.Resource, annotated *exception.Entry) string {
	for _, t := range targets {
		if annotated != nil && annotated.Matches(check, t, "") {
			return exception.AnnotationExempt + " annotation"
		}
		hit, expired := e.list.Match(check, t, "", e.now)
		for _, x := range expired {
			addOnce(&e.expired, fmt.Sprintf("[%s] exception at %s (%q) expired on %s; %s applies again", exception.CheckID, x.Source, x.Reason, x.Expires, check))
		}
		if hit != nil {
			return hit.Source
		}
	}
	return ""
}

func addOnce(list *[]string, s string) {
	if !slices.Contains(*list, s) {
		*list = append(*list, s)
	}
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
