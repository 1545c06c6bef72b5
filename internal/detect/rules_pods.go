package detect

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/pss"
)

// Pod detections reuse the scanner's Pod Security evaluator (upstream
// k8s.io/pod-security-admission checks), so "privileged" means here exactly
// what it means to `palisade scan` and to admission.

// psaAuditAnnotation is what Pod Security Admission records when a pod or
// template violates the namespace's audit level.
const psaAuditAnnotation = "pod-security.kubernetes.io/audit-violations"

func podDetections() ([]*rule, error) {
	ev, err := pss.NewEvaluator()
	if err != nil {
		return nil, err
	}
	baseline := api.LevelVersion{Level: api.LevelBaseline, Version: api.LatestVersion()}

	// audit/privileged-pod (Falco: Create Privileged Pod, Create Sensitive
	// Mount Pod, Create HostNetwork Pod, Create HostPid Pod, Create HostIPC
	// Pod; here every Baseline control, judged by upstream's checks).
	priv := newRule("audit/privileged-pod", finding.SeverityHigh,
		"Pod that breaks the Baseline Pod Security Standard created",
		"Privileged containers, hostPath volumes and host namespaces are the usual ways from a pod to its node. This catches them at runtime where admission did not enforce Baseline (a privileged namespace, an exemption, a label changed later).",
		"Enforce at least baseline with the namespace label pod-security.kubernetes.io/enforce; fix the pod's spec as `palisade scan` shows; keep exemptions narrow.")
	priv.match = func(v *view) []string {
		if !v.succeeded || !v.is("pods", "create") || strings.Contains(v.ev.RequestURI, "dryRun=") {
			return nil
		}
		var p corev1.Pod
		if !v.object(&p) {
			return nil
		}
		fillName(v, p.Name)
		results := ev.Evaluate(baseline, &p.ObjectMeta, &p.Spec)
		if len(results) == 0 {
			return nil
		}
		msgs := make([]string, len(results))
		for i, r := range results {
			msgs[i] = "pss/" + string(r.ID) + ": " + r.Message()
		}
		return one("pod created that breaks Baseline (" + strings.Join(msgs, "; ") + ")")
	}

	// audit/pod-security-violation: what Pod Security Admission itself
	// found at the namespace's audit level, surfaced rather than left in
	// an annotation nobody reads.
	psa := newRule("audit/pod-security-violation", finding.SeverityMedium,
		"Pod Security Admission recorded a violation of the audit level",
		"The audit level flags pods and templates that would be rejected at a stricter level; it is the warning before enforcement, and it only lives in the audit log.",
		"Fix the workload (see `palisade scan`), then raise the namespace's enforce level to its audit level.")
	psa.match = func(v *view) []string {
		if msg, ok := v.ev.Annotations[psaAuditAnnotation]; ok {
			return one("Pod Security audit violation: " + msg)
		}
		return nil
	}
	return []*rule{priv, psa}, nil
}
