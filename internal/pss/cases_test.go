package pss

// Table-driven cases for what upstream's fixture corpus never exercises
// (it only holds bare Pods): every workload kind and its field-path prefix,
// lists, multi-document files, JSON, init and ephemeral containers, objects
// that must not be evaluated. Version-dependent cases are in
// cases_versions_test.go.
//
// Each case is inline YAML (or JSON) read through manifest.Decode and
// workload.Extract, and is judged three ways:
//
//  1. Verdict. The expectation is upstream's evaluator called directly on a
//     typed pod built in Go (the ObjectMeta and PodSpec the API server would
//     store for the pod or pod template, defaults applied), never decoded by
//     our code. See csUpstream for how upstream's results get check IDs.
//  2. The same verdict, message for message: upstream's aggregated reasons
//     and details ("reason (detail)", as admission prints them) equal the
//     distinct messages of our findings.
//  3. Location. The exact set of (check, field path, line) of our findings.
//     Lines are not hand-counted: a want entry names a marker, a string that
//     occurs on exactly one line of the input (a "# <x>" comment in YAML, a
//     unique key/value in JSON), and that line is expected.

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/workload"
)

// csPod is what the API server holds for a pod (template), typed.
type csPod struct {
	meta metav1.ObjectMeta
	spec corev1.PodSpec
}

// csObj is the expectation for one decoded object, in decode order.
type csObj struct {
	kind, name string
	// spec is the expected SpecPrefix; "" means Extract must say the
	// object runs no pod (and return no error).
	spec string
	pod  func() csPod
	// at lists every expected finding as "checkID path <marker>"; in
	// paths, {S} stands for the spec prefix and {M} for the meta prefix.
	// Its check IDs must also be exactly the IDs upstream fails, which
	// proves the case exercises what it claims.
	at []string
}

type csCase struct {
	name string
	lv   string // "level version", e.g. "baseline v1.26"
	in   string
	objs []csObj
}

func csRun(t *testing.T, cases []csCase) {
	t.Helper()
	e, err := NewEvaluator()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			level, version, _ := strings.Cut(tc.lv, " ")
			l, err1 := api.ParseLevel(level)
			v, err2 := api.ParseVersion(version)
			if err1 != nil || err2 != nil {
				t.Fatalf("bad level/version %q", tc.lv)
			}
			lv := api.LevelVersion{Level: l, Version: v}
			objs, errs := manifest.Decode("case.yaml", []byte(tc.in))
			if len(errs) != 0 {
				t.Fatalf("decode errors: %v", errs)
			}
			if len(objs) != len(tc.objs) {
				t.Fatalf("decoded %d objects, want %d", len(objs), len(tc.objs))
			}
			for i, o := range objs {
				want := tc.objs[i]
				if o.Kind != want.kind || o.Name != want.name {
					t.Fatalf("object %d is %s/%s, want %s/%s", i, o.Kind, o.Name, want.kind, want.name)
				}
				csCheckObject(t, e, lv, tc.in, o, want)
			}
		})
	}
}

func csCheckObject(t *testing.T, e *Evaluator, lv api.LevelVersion, in string, o *manifest.Object, want csObj) {
	t.Helper()
	id := o.Kind + "/" + o.Name
	w, ok, err := workload.Extract(o)
	if err != nil {
		t.Errorf("%s: Extract: %v", id, err)
		return
	}
	if want.spec == "" {
		if ok {
			t.Errorf("%s (%s) must not be evaluated, got workload at %s: %v", id, o.APIVersion, w.SpecPrefix, e.Findings(w, lv))
		}
		return
	}
	if !ok {
		t.Errorf("%s (%s): not recognised as a workload", id, o.APIVersion)
		return
	}
	meta := strings.TrimSuffix(want.spec, "spec") + "metadata"
	if w.SpecPrefix != want.spec || w.MetaPrefix != meta {
		t.Errorf("%s: prefixes %q, %q; want %q, %q", id, w.SpecPrefix, w.MetaPrefix, want.spec, meta)
	}
	p := want.pod()
	upIDs, upMsgs := csUpstream(t, lv, &p.meta, &p.spec)

	fs := e.Findings(w, lv)
	byID := map[string]string{}
	var got []string
	for _, f := range fs {
		cid := strings.TrimPrefix(f.Check, "pss/")
		if m, seen := byID[cid]; seen && m != f.Message {
			t.Errorf("%s: %s findings disagree on the message: %q vs %q", id, cid, m, f.Message)
		}
		byID[cid] = f.Message
		if f.File != "case.yaml" || f.Resource.Kind != o.Kind || f.Resource.Name != o.Name {
			t.Errorf("%s: finding names %s %s/%s", id, f.File, f.Resource.Kind, f.Resource.Name)
		}
		got = append(got, fmt.Sprintf("%s %s :%d", cid, f.Path, f.Line))
	}
	ourIDs := slices.Sorted(maps.Keys(byID))
	ourMsgs := slices.Sorted(maps.Values(byID))

	var wantAt, wantIDs []string
	for _, a := range want.at {
		f := strings.Fields(a)
		if len(f) != 3 {
			t.Fatalf("bad want %q", a)
		}
		path := strings.NewReplacer("{S}", want.spec, "{M}", meta).Replace(f[1])
		wantAt = append(wantAt, fmt.Sprintf("%s %s :%d", f[0], path, csLine(t, in, f[2])))
		if !slices.Contains(wantIDs, f[0]) {
			wantIDs = append(wantIDs, f[0])
		}
	}
	slices.Sort(wantIDs)
	if !slices.Equal(upIDs, wantIDs) {
		t.Errorf("%s: case is wrong: upstream fails %v on the typed pod, the case expects %v", id, upIDs, wantIDs)
	}
	if !slices.Equal(ourIDs, upIDs) {
		t.Errorf("%s: verdict differs from upstream:\n ours:     %v\n upstream: %v", id, ourIDs, upIDs)
	}
	if !slices.Equal(ourMsgs, upMsgs) {
		t.Errorf("%s: messages differ from upstream:\n ours:     %q\n upstream: %q", id, ourMsgs, upMsgs)
	}
	slices.Sort(got)
	slices.Sort(wantAt)
	if !slices.Equal(got, wantAt) {
		t.Errorf("%s: findings at\n got:  %s\n want: %s", id, strings.Join(got, "\n       "), strings.Join(wantAt, "\n       "))
	}
}

// csUpstream returns the IDs of the checks upstream fails at lv, and its
// messages, both sorted.
//
// The messages are the aggregate of the full default evaluator
// (policy.AggregateCheckResults), exactly what admission reports. Upstream
// results carry no check ID, so IDs are found by evaluating every default
// check alone (a one-check evaluator applies that check's version for lv,
// or nothing if the check does not exist yet at lv or is restricted-only
// and lv is baseline) and dropping, at the restricted level, the baseline
// checks that a restricted check in effect at lv overrides
// (Versions[].OverrideCheckIDs), as upstream's registry does. Checks are
// pure functions of the pod, so a check fails in the full evaluator iff it
// fails alone and is not overridden. The attribution is then verified
// against the full evaluator: the lone checks' messages must be exactly
// the aggregated messages, so an error in this reasoning fails the test.
func csUpstream(t *testing.T, lv api.LevelVersion, meta *metav1.ObjectMeta, spec *corev1.PodSpec) (ids, msgs []string) {
	t.Helper()
	message := func(reason, detail string) string {
		if detail == "" {
			return reason
		}
		return reason + " (" + detail + ")"
	}
	full, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	agg := policy.AggregateCheckResults(full.EvaluatePod(lv, meta, spec))
	for i := range agg.ForbiddenReasons {
		msgs = append(msgs, message(agg.ForbiddenReasons[i], agg.ForbiddenDetails[i]))
	}
	slices.Sort(msgs)

	overridden := map[policy.CheckID]bool{}
	if lv.Level == api.LevelRestricted {
		for _, c := range policy.DefaultChecks() {
			if c.Level != api.LevelRestricted {
				continue
			}
			var inEffect *policy.VersionedCheck
			for i, vc := range c.Versions {
				if lv.Version.Latest() || !lv.Version.Older(vc.MinimumVersion) {
					inEffect = &c.Versions[i]
				}
			}
			if inEffect != nil {
				for _, o := range inEffect.OverrideCheckIDs {
					overridden[o] = true
				}
			}
		}
	}
	var loneMsgs []string
	for _, c := range policy.DefaultChecks() {
		alone, err := policy.NewEvaluator([]policy.Check{c}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range alone.EvaluatePod(lv, meta, spec) {
			if !r.Allowed && !overridden[c.ID] {
				ids = append(ids, string(c.ID))
				loneMsgs = append(loneMsgs, message(r.ForbiddenReason, r.ForbiddenDetail))
			}
		}
	}
	slices.Sort(ids)
	slices.Sort(loneMsgs)
	if !slices.Equal(loneMsgs, msgs) {
		t.Fatalf("check attribution does not reproduce upstream's aggregate:\n lone checks: %q\n aggregate:   %q", loneMsgs, msgs)
	}
	return ids, msgs
}

// csLine is the 1-based line of the only line of in containing marker.
func csLine(t *testing.T, in, marker string) int {
	t.Helper()
	line := 0
	for i, l := range strings.Split(in, "\n") {
		if strings.Contains(l, marker) {
			if line != 0 {
				t.Fatalf("marker %q on lines %d and %d", marker, line, i+1)
			}
			line = i + 1
		}
	}
	if line == 0 {
		t.Fatalf("marker %q not in the input", marker)
	}
	return line
}

// csIndent indents every non-empty line of s by n spaces.
func csIndent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// Typed building blocks of the expected pods.

func csCaps(add []corev1.Capability, drop ...corev1.Capability) *corev1.Capabilities {
	return &corev1.Capabilities{Add: add, Drop: drop}
}

// csRestrictedSC is a container security context meeting the restricted
// container-only requirements; YAML: {allowPrivilegeEscalation: false,
// capabilities: {drop: [ALL]}}.
func csRestrictedSC() *corev1.SecurityContext {
	return &corev1.SecurityContext{AllowPrivilegeEscalation: new(false), Capabilities: csCaps(nil, "ALL")}
}

// csRestrictedPodSC: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}.
func csRestrictedPodSC() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{RunAsNonRoot: new(true), SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
}
