package webhook

import (
	"context"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/workload"
)

// want is what a response must show; empty fields are not checked.
type want struct {
	allowed     bool
	code        int32
	message     []string // substrings of Result.Message
	notMessage  []string
	warnings    []string // each a substring of some warning
	noWarnings  bool
	notWarnings []string
	annotations map[string]string // key: substring of the value ("" = present)
	noAnnots    []string
}

func (w want) check(t *testing.T, resp *admissionv1.AdmissionResponse, uid string) {
	t.Helper()
	if string(resp.UID) != uid {
		t.Errorf("UID = %q, want %q", resp.UID, uid)
	}
	msg := ""
	if resp.Result != nil {
		msg = resp.Result.Message
	}
	if resp.Allowed != w.allowed {
		t.Fatalf("allowed = %v, want %v (message %q, warnings %q)", resp.Allowed, w.allowed, msg, resp.Warnings)
	}
	if w.allowed && resp.Result != nil {
		t.Errorf("allowed response has a result: %+v", resp.Result)
	}
	if w.code != 0 && (resp.Result == nil || resp.Result.Code != w.code) {
		t.Errorf("result %+v, want code %d", resp.Result, w.code)
	}
	for _, s := range w.message {
		if !strings.Contains(msg, s) {
			t.Errorf("message %q lacks %q", msg, s)
		}
	}
	for _, s := range w.notMessage {
		if strings.Contains(msg, s) {
			t.Errorf("message %q has %q", msg, s)
		}
	}
	all := strings.Join(resp.Warnings, "\n")
	for _, s := range w.warnings {
		if !strings.Contains(all, s) {
			t.Errorf("warnings %q lack %q", resp.Warnings, s)
		}
	}
	for _, s := range w.notWarnings {
		if strings.Contains(all, s) {
			t.Errorf("warnings %q have %q", resp.Warnings, s)
		}
	}
	if w.noWarnings && len(resp.Warnings) > 0 {
		t.Errorf("unexpected warnings %q", resp.Warnings)
	}
	for k, sub := range w.annotations {
		v, ok := resp.AuditAnnotations[k]
		if !ok || !strings.Contains(v, sub) {
			t.Errorf("audit annotation %s = %q (present %v), want it to contain %q; all: %v", k, v, ok, sub, resp.AuditAnnotations)
		}
	}
	for _, k := range w.noAnnots {
		if v, ok := resp.AuditAnnotations[k]; ok {
			t.Errorf("unexpected audit annotation %s=%q", k, v)
		}
	}
}

const unlabelledDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy-batch, namespace: restricted}
spec:
  selector: {matchLabels: {app: legacy-batch}}
  template:
    metadata: {labels: {app: legacy-batch}}
    spec:
      containers: [{name: batch, image: "registry.example.com/shop/batch:0.9"}]
`

const exemptConfig = `apiVersion: pod-security.admission.config.k8s.io/v1
kind: PodSecurityConfiguration
defaults: {enforce: baseline, warn: restricted}
exemptions:
  usernames: [system:serviceaccount:kube-system:ops]
  runtimeClasses: [kata]
  namespaces: [exempt]
`

func TestReview(t *testing.T) {
	ownedPod := in(privilegedPod, "baseline", "metadata: {name: priv, namespace: baseline}",
		`metadata:
  name: web-7d9f-x2x1
  namespace: baseline
  labels: {pod-template-hash: 7d9f}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d9f, uid: u1, controller: true}]`)
	exceptDeployment := `exceptions:
- checks: [pss/privileged]
  resources: [{kind: Deployment, namespace: baseline, name: web}]
  reason: vendor agent needs it
`
	latestPod := in(restrictedPod, "open", "image: registry.example.com/app:1.0", "image: busybox")
	deny := func(checks ...string) config.WebhookConfig {
		return config.WebhookConfig{Actions: []config.WebhookAction{{Checks: checks, EnforcementAction: config.ActionDeny}}}
	}
	tests := []struct {
		name string
		s    setup
		req  *admissionv1.AdmissionRequest
		want want
	}{
		{
			name: "enforce denies a privileged pod with upstream's message",
			req:  request(t, admissionv1.Create, privilegedPod, ""),
			want: want{code: 403, message: []string{`pods "priv" is forbidden: violates PodSecurity "restricted:latest": privileged (container "app" must not set securityContext.privileged=true)`},
				annotations: map[string]string{"enforce-policy": "restricted:latest", "audit-violations": `would violate PodSecurity "restricted:latest"`}},
		},
		{
			name: "a restricted pod is admitted without a word",
			req:  request(t, admissionv1.Create, restrictedPod, ""),
			want: want{allowed: true, noWarnings: true, annotations: map[string]string{"enforce-policy": "restricted:latest"}},
		},
		{
			name: "a version pin selects the older checks",
			req:  request(t, admissionv1.Create, in(restrictedPod, "pinned", "capabilities: {drop: [ALL]}", "capabilities: {}"), ""),
			want: want{allowed: true, annotations: map[string]string{"enforce-policy": "restricted:v1.21"}},
		},
		{
			name: "a deployment is warned and audited, never denied",
			req:  request(t, admissionv1.Create, privilegedDeployment, ""),
			want: want{allowed: true, warnings: []string{`would violate PodSecurity "restricted:latest": privileged`},
				annotations: map[string]string{"audit-violations": "privileged"}, noAnnots: []string{"enforce-policy"}},
		},
		{
			name: "defaults of the PodSecurityConfiguration apply to unlabelled namespaces",
			s:    setup{psConfig: exemptConfig},
			req:  request(t, admissionv1.Create, in(privilegedPod, "open"), ""),
			want: want{message: []string{`violates PodSecurity "baseline:latest"`}},
		},
		{
			name: "exempt namespace",
			s:    setup{psConfig: exemptConfig},
			req:  request(t, admissionv1.Create, in(privilegedPod, "exempt"), ""),
			want: want{allowed: true, noWarnings: true, annotations: map[string]string{"exempt": "namespace"}},
		},
		{
			name: "exempt user",
			s:    setup{psConfig: exemptConfig},
			req: func() *admissionv1.AdmissionRequest {
				r := request(t, admissionv1.Create, privilegedPod, "")
				r.UserInfo.Username = "system:serviceaccount:kube-system:ops"
				return r
			}(),
			want: want{allowed: true, annotations: map[string]string{"exempt": "user"}},
		},
		{
			name: "exempt runtime class",
			s:    setup{psConfig: exemptConfig},
			req:  request(t, admissionv1.Create, in(privilegedPod, "restricted", "spec:\n", "spec:\n  runtimeClassName: kata\n"), ""),
			want: want{allowed: true, annotations: map[string]string{"exempt": "runtimeClass"}},
		},
		{
			name: "a palisade exception drops its check from upstream's verdict",
			s: setup{exceptions: `exceptions:
- checks: [pss/privileged]
  resources: [{kind: Pod, namespace: baseline}]
  reason: test
`},
			req:  request(t, admissionv1.Create, in(privilegedPod, "baseline"), ""),
			want: want{allowed: true, annotations: map[string]string{"excepted": "pss/privileged (by exceptions.yaml:2)"}},
		},
		{
			name: "an exception for other checks leaves the rest of the verdict",
			s: setup{exceptions: `exceptions:
- checks: [pss/privileged]
  reason: test
`},
			req: request(t, admissionv1.Create, privilegedPod, ""),
			want: want{message: []string{`violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false`},
				notMessage: []string{"privileged (container"}},
		},
		{
			name: "an exception for a Deployment covers its pods",
			s:    setup{exceptions: exceptDeployment},
			req:  request(t, admissionv1.Create, ownedPod, ""),
			want: want{allowed: true, annotations: map[string]string{"excepted": "pss/privileged"}},
		},
		{
			name: "an exception for another Deployment does not",
			s:    setup{exceptions: strings.Replace(exceptDeployment, "name: web}", "name: api}", 1)},
			req:  request(t, admissionv1.Create, ownedPod, ""),
			want: want{message: []string{"privileged"}},
		},
		{
			name: "an expired exception no longer applies, and says so",
			s:    setup{exceptions: strings.Replace(exceptDeployment, "reason:", "expires: 2026-01-31\n  reason:", 1)},
			req:  request(t, admissionv1.Create, ownedPod, ""),
			want: want{message: []string{"privileged"}, warnings: []string{"[exception/expired] exception at exceptions.yaml:2", "expired on 2026-01-31; pss/privileged applies again"}},
		},
		{
			name: "the exempt annotation of a pod",
			req: request(t, admissionv1.Create, in(privilegedPod, "baseline", "namespace: baseline}",
				"namespace: baseline, annotations: {palisade.dev/exempt: pss/privileged, palisade.dev/exempt-reason: debug}}"), ""),
			want: want{allowed: true, annotations: map[string]string{"excepted": "pss/privileged (by palisade.dev/exempt annotation)"}},
		},
		{
			name: "an exempt annotation without a reason is ignored, with a warning",
			req: request(t, admissionv1.Create, in(privilegedPod, "baseline", "namespace: baseline}",
				"namespace: baseline, annotations: {palisade.dev/exempt: pss/privileged}}"), ""),
			want: want{message: []string{"privileged"}, warnings: []string{"palisade.dev/exempt ignored"}},
		},
		{
			name: "extras warn by default, with the check ID",
			req:  request(t, admissionv1.Create, latestPod, ""),
			want: want{allowed: true, warnings: []string{`[bp/image-latest] container "app" uses image "busybox" with no tag`},
				annotations: map[string]string{"warn-violations": "[bp/image-latest]"}},
		},
		{
			name: "extras deny when configured",
			s:    setup{webhook: deny("bp/*")},
			req:  request(t, admissionv1.Create, latestPod, ""),
			want: want{code: 403, message: []string{`pods "good" is forbidden: denied by palisade: [bp/image-latest]`, "(spec.containers[0].image)"},
				annotations: map[string]string{"deny-violations": "[bp/image-latest]"}},
		},
		{
			name: "extras dryrun only reach the audit log",
			s:    setup{webhook: config.WebhookConfig{EnforcementAction: config.ActionDryRun}},
			req:  request(t, admissionv1.Create, latestPod, ""),
			want: want{allowed: true, noWarnings: true, annotations: map[string]string{"dryrun-violations": "[bp/image-latest]"}},
		},
		{
			name: "an extras denial follows upstream's",
			s:    setup{webhook: deny("bp/image-latest")},
			req:  request(t, admissionv1.Create, in(privilegedPod, "restricted", "registry.example.com/app:1.0", "busybox"), ""),
			want: want{message: []string{`violates PodSecurity "restricted:latest"`, "; denied by palisade: [bp/image-latest]"}},
		},
		{
			name: "extras apply to kinds Pod Security ignores",
			s:    setup{webhook: deny("bp/*"), checks: []string{"bp/image-latest"}},
			req: request(t, admissionv1.Create, `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: open}
spec:
  schedule: "@daily"
  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: "busybox:latest"}]}}}}
`, ""),
			want: want{message: []string{"[bp/image-latest]", "spec.jobTemplate.spec.template.spec.containers[0].image"}},
		},
		{
			name: "a Gatekeeper constraint denies per its own enforcementAction",
			s:    setup{policies: []string{"../../policies/examples"}, checks: []string{"pss/*", "policy/*"}},
			req:  request(t, admissionv1.Create, in(unlabelledDeployment, "open"), ""),
			want: want{code: 403, message: []string{`deployments.apps "legacy-batch" is forbidden: denied by palisade: [policy/k8srequiredteamlabel.require-team-label] Deployment "legacy-batch" has no "team" label`}},
		},
		{
			name: "the configuration overrides a policy's action",
			s: setup{policies: []string{"../../policies/examples"}, checks: []string{"pss/*", "policy/*"},
				webhook: config.WebhookConfig{Actions: []config.WebhookAction{{Checks: []string{"policy/k8srequiredteamlabel.*"}, EnforcementAction: config.ActionWarn}}}},
			req:  request(t, admissionv1.Create, in(unlabelledDeployment, "open"), ""),
			want: want{allowed: true, warnings: []string{"[policy/k8srequiredteamlabel.require-team-label]"}},
		},
		{
			name: "an excepted extra is not denied",
			s: setup{webhook: deny("bp/*"), exceptions: `exceptions:
- checks: [bp/image-latest]
  reason: test
`},
			req:  request(t, admissionv1.Create, latestPod, ""),
			want: want{allowed: true, annotations: map[string]string{"excepted": "bp/image-latest (by exception)"}},
		},
		{
			name: "dry-run admits what enforce would deny, and says so",
			s:    setup{dryRun: true},
			req:  request(t, admissionv1.Create, privilegedPod, ""),
			want: want{allowed: true, warnings: []string{`palisade dry-run: would deny: pods "priv" is forbidden: violates PodSecurity`},
				annotations: map[string]string{"would-deny": "violates PodSecurity", "enforce-policy": "restricted:latest"}},
		},
		{
			name: "dry-run admits what an extra would deny",
			s:    setup{dryRun: true, webhook: deny("bp/*")},
			req:  request(t, admissionv1.Create, latestPod, ""),
			want: want{allowed: true, warnings: []string{"would deny", "[bp/image-latest]"}},
		},
		{
			name: "an update that changes no image is exempt, as upstream",
			req:  request(t, admissionv1.Update, in(privilegedPod, "restricted", "name: priv,", "name: priv, labels: {a: b},"), privilegedPod),
			want: want{allowed: true, noWarnings: true},
		},
		{
			name: "an update that changes an image is judged",
			req:  request(t, admissionv1.Update, in(privilegedPod, "restricted", "app:1.0", "app:1.1"), privilegedPod),
			want: want{message: []string{"violates PodSecurity"}},
		},
		{
			name: "an update keeping an existing extra violation is warned, not denied",
			s:    setup{webhook: deny("bp/*"), checks: []string{"bp/image-latest"}},
			req:  request(t, admissionv1.Update, in(latestPod, "open", "name: good,", "name: good, labels: {a: b},"), latestPod),
			want: want{allowed: true, warnings: []string{"[bp/image-latest]", "already present before this update"}},
		},
		{
			name: "an update adding an extra violation is denied",
			s:    setup{webhook: deny("bp/*"), checks: []string{"bp/image-latest"}},
			req:  request(t, admissionv1.Update, latestPod, in(restrictedPod, "open")),
			want: want{message: []string{"denied by palisade: [bp/image-latest]"}},
		},
		{
			name: "invalid namespace labels are rejected on create",
			req: request(t, admissionv1.Create, `apiVersion: v1
kind: Namespace
metadata: {name: bad, labels: {pod-security.kubernetes.io/enforce: strict}}
`, ""),
			want: want{code: 422, message: []string{"pod-security.kubernetes.io/enforce"}},
		},
		{
			name: "tightening a namespace warns about its pods",
			s: setup{cluster: func() *memCluster {
				c := cluster()
				c.pods["open"] = []*corev1.Pod{{ObjectMeta: metav1.ObjectMeta{Name: "p1", Namespace: "open"},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x", SecurityContext: &corev1.SecurityContext{Privileged: ptr(true)}}}}}}
				return c
			}()},
			req: request(t, admissionv1.Update, `apiVersion: v1
kind: Namespace
metadata: {name: open, labels: {pod-security.kubernetes.io/enforce: baseline}}
`, `apiVersion: v1
kind: Namespace
metadata: {name: open}
`),
			want: want{allowed: true, warnings: []string{`existing pods in namespace "open" violate the new PodSecurity enforce level "baseline:latest"`, "p1: privileged"}},
		},
		{
			name: "deletes are not judged",
			s:    setup{webhook: deny("bp/*")},
			req:  request(t, admissionv1.Delete, "", latestPod),
			want: want{allowed: true, noWarnings: true, noAnnots: []string{"deny-violations"}},
		},
		{
			name: "a pod that is not JSON is a bad request, as upstream says",
			req: func() *admissionv1.AdmissionRequest {
				r := request(t, admissionv1.Create, privilegedPod, "")
				r.Object.Raw = []byte(`{"kind": "Pod", "spec": 7}`)
				return r
			}(),
			want: want{code: 400, message: []string{"failed to decode"}, annotations: map[string]string{"error": ""}},
		},
		{
			name: "a panic in a check is answered per failurePolicy Fail",
			s:    setup{extras: panicking},
			req:  request(t, admissionv1.Create, restrictedPod, ""),
			want: want{code: 500, message: []string{"palisade could not evaluate this request: internal error: check exploded", "failure policy is Fail"},
				annotations: map[string]string{"error": "check exploded"}},
		},
		{
			name: "a panic in a check is answered per failurePolicy Ignore",
			s:    setup{extras: panicking, webhook: config.WebhookConfig{FailurePolicy: config.FailurePolicyIgnore}},
			req:  request(t, admissionv1.Create, restrictedPod, ""),
			want: want{allowed: true, warnings: []string{"admitted because the failure policy is Ignore"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, tc.s)
			resp := srv.Review(context.Background(), tc.req)
			tc.want.check(t, resp, string(tc.req.UID))
		})
	}
}

func ptr[T any](v T) *T { return &v }

// panicking is an extras evaluator whose check panics, as a buggy check
// or policy would.
func panicking(Evaluator) Evaluator { return panicEvaluator{} }

type panicEvaluator struct{}

func (panicEvaluator) EvaluateExtras(context.Context, *manifest.Object, *workload.Workload, *inventory.Inventory) ([]finding.Finding, *finding.Error) {
	panic("check exploded")
}

// slowEvaluator delays the real evaluator, as a pathological check would,
// for the evaluations that start before until.
type slowEvaluator struct {
	Evaluator
	delay time.Duration
	until time.Time
}

func (s slowEvaluator) EvaluateExtras(ctx context.Context, o *manifest.Object, w *workload.Workload, inv *inventory.Inventory) ([]finding.Finding, *finding.Error) {
	if time.Now().Before(s.until) {
		time.Sleep(s.delay)
	}
	return s.Evaluator.EvaluateExtras(ctx, o, w, inv)
}
