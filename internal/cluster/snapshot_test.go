package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/scan"
)

func TestOwners(t *testing.T) {
	objs, errs := manifest.Decode("cluster.yaml", []byte(previewObjects+`---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop, uid: c1}
spec:
  schedule: "@daily"
  jobTemplate: {spec: {template: {spec: {containers: [{name: j, image: j:1}]}}}}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: nightly-1
  namespace: shop
  uid: j1
  ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: nightly, uid: c1, controller: true}]
spec: {template: {spec: {containers: [{name: j, image: j:1}]}}}
---
apiVersion: v1
kind: Pod
metadata:
  name: nightly-1-x
  namespace: shop
  ownerReferences:
  - {apiVersion: v1, kind: Node, name: n1, uid: n1}
  - {apiVersion: batch/v1, kind: Job, name: nightly-1, uid: j1, controller: true}
spec: {containers: [{name: j, image: j:1}]}
`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	snap := NewSnapshot("test", objs)
	byName := map[string]*Item{}
	for _, it := range snap.Items() {
		byName[it.Object.Kind+"/"+it.Object.Name] = it
	}
	for _, tc := range []struct {
		obj, owner string
		reported   bool
	}{
		{"Deployment/web", "Deployment/web", true},
		{"ReplicaSet/web-1", "Deployment/web", false},
		{"Pod/web-1-a", "Deployment/web", false},
		{"Pod/job-x", "Workflow/nightly", true}, // its controller is of a kind palisade does not read
		{"Pod/legacy", "Pod/legacy", true},
		{"Job/nightly-1", "CronJob/nightly", false},
		{"Pod/nightly-1-x", "CronJob/nightly", false}, // the non-controller owner is ignored
	} {
		it := byName[tc.obj]
		if it == nil {
			t.Fatalf("%s not in the snapshot", tc.obj)
		}
		if got := snap.Owner(it); got != tc.owner {
			t.Errorf("Owner(%s) = %s, want %s", tc.obj, got, tc.owner)
		}
		if got := snap.Reported(it); got != tc.reported {
			t.Errorf("Reported(%s) = %v, want %v", tc.obj, got, tc.reported)
		}
	}
	if got, want := snap.Namespaces(), []string{"kube-system", "quiet", "shop", "strict"}; !slices.Equal(got, want) {
		t.Errorf("Namespaces() = %v, want %v", got, want)
	}
	snap.Scope = "quiet"
	if snap.Reported(byName["Deployment/web"]) || !snap.Reported(byName["Pod/ok"]) || !snap.InScope(byName["Namespace/quiet"]) {
		t.Error("Scope does not limit what is reported")
	}
}

func TestKindsFor(t *testing.T) {
	names := func(ks []Kind) string {
		var s []string
		for _, k := range ks {
			s = append(s, k.Kind)
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct {
		p      Purpose
		checks []string
		want   string
	}{
		{ForPreview, nil, "Namespace,CronJob,Job,Deployment,StatefulSet,DaemonSet,ReplicaSet,ReplicationController,PodTemplate,Pod"},
		{ForScan, nil, "Namespace,NetworkPolicy,LimitRange,ResourceQuota,Role,ClusterRole,RoleBinding,ClusterRoleBinding,Service,CronJob,Job,Deployment,StatefulSet,DaemonSet,ReplicaSet,ReplicationController,PodTemplate,Pod"},
		{ForScan, []string{"Ingress", "ServiceAccount", "MyCRD"}, "Namespace,NetworkPolicy,LimitRange,ResourceQuota,Role,ClusterRole,RoleBinding,ClusterRoleBinding,Service,Ingress,ServiceAccount,CronJob,Job,Deployment,StatefulSet,DaemonSet,ReplicaSet,ReplicationController,PodTemplate,Pod"},
	} {
		if got := names(KindsFor(tc.p, tc.checks)); got != tc.want {
			t.Errorf("KindsFor(%v, %v) =\n %s\nwant\n %s", tc.p, tc.checks, got, tc.want)
		}
	}
}

// TestReaderRoleMatchesKinds keeps deploy/cluster-reader-rbac.yaml equal to
// Kinds: list and nothing else, on exactly the resources palisade reads.
func TestReaderRoleMatchesKinds(t *testing.T) {
	var got, want []string
	for _, r := range readerRules(t) {
		if !slices.Equal(r.Verbs, []string{"list"}) || len(r.ResourceNames) > 0 || len(r.NonResourceURLs) > 0 {
			t.Errorf("rule %+v grants more than list", r)
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				got = append(got, g+"/"+res)
			}
		}
	}
	for _, k := range Kinds {
		want = append(want, k.Resource.Group+"/"+k.Resource.Resource)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("ClusterRole grants list on\n %v\npalisade lists\n %v", got, want)
	}
}

func TestProgressLine(t *testing.T) {
	for _, tc := range []struct {
		verb        string
		done, total int
		kind, want  string
	}{
		{"listing", 0, 0, "", "[==========] 100% listing 0/0"},
		{"listing", 2500, 5000, "Pod", "[=====>    ]  50% listing 2500/5000 (Pod)"},
		{"checking", 7, 3, "", "[==========] 100% checking 7/7"},
		{"checking", 1, 3, "", "[===>      ]  33% checking 1/3"},
	} {
		if got := Line(tc.verb, tc.done, tc.total, tc.kind, 10); got != tc.want {
			t.Errorf("Line(%d/%d) = %q, want %q", tc.done, tc.total, got, tc.want)
		}
	}
}

func TestBarThrottles(t *testing.T) {
	var b strings.Builder
	now := time.Unix(0, 0)
	bar := &Bar{W: &b, Interval: time.Second, Width: 4, Now: func() time.Time { return now }}
	bar.Listed("Pod", 500, 1500) // drawn: first
	bar.Listed("Pod", 500, 1000) // skipped: too soon
	now = now.Add(2 * time.Second)
	bar.Listed("Pod", 500, 500) // drawn
	bar.Evaluated(3, 3)         // drawn: finished
	bar.Done()
	want := "\r\x1b[K[=>  ]  25% listing 500/2000 (Pod)" +
		"\r\x1b[K[===>]  75% listing 1500/2000 (Pod)" +
		"\r\x1b[K[====] 100% checking 3/3" + "\r\x1b[K"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}

func TestLoadPodSecurityConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const psc = `apiVersion: pod-security.admission.config.k8s.io/v1
kind: PodSecurityConfiguration
defaults: {enforce: baseline, enforce-version: v1.30, warn: restricted}
exemptions: {namespaces: [kube-system], runtimeClasses: [kata], usernames: [admin]}
`
	for _, tc := range []struct {
		name, file, err string
	}{
		{"plain", write("psc.yaml", psc), ""},
		{"admission inline", write("adm.yaml", admissionConfig), ""},
		{"admission path", write("adm-path.yaml", "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  path: psc.yaml\n"), ""},
		{"no plugin", write("adm-none.yaml", "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins: []\n"), "no PodSecurity plugin"},
		{"bad level", write("bad.yaml", strings.Replace(psc, "enforce: baseline", "enforce: strict", 1)), "strict"},
		{"wrong kind", write("wrong.yaml", "apiVersion: v1\nkind: Pod\n"), "no kind"},
		{"missing", filepath.Join(dir, "nope.yaml"), "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol, ex, err := LoadPodSecurityConfig(tc.file)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("%s %s %s %v %v", pol.Enforce, pol.Audit, pol.Warn, ex.Namespaces, ex.RuntimeClasses)
			want := "baseline:v1.30 privileged:latest restricted:latest [kube-system] [kata]"
			if tc.name != "plain" && tc.name != "admission path" {
				want = "privileged:latest privileged:latest privileged:latest [exempt-ns] [kata]"
			}
			if got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
	if pol, _ := DefaultAdmission(); pol.Enforce.Level != api.LevelPrivileged {
		t.Errorf("default admission enforces %s", pol.Enforce)
	}
}

// TestReaderRoleScansClean: what palisade ships passes palisade.
func TestReaderRoleScansClean(t *testing.T) {
	var out collect
	if _, err := scan.Run(context.Background(), restrictedEngine(t), []string{"../../deploy/cluster-reader-rbac.yaml"}, nil, scan.Options{}, &out); err != nil {
		t.Fatal(err)
	}
	for _, f := range out.findings {
		if !f.Suppressed {
			t.Errorf("%s:%d %s %s: %s", f.File, f.Line, f.Check, f.Resource, f.Message)
		}
	}
	if len(out.errs) > 0 {
		t.Error(out.errs)
	}
}
