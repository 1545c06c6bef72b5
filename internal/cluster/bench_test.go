package cluster

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/utils/ptr"

	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/testenv"
)

type discard struct{ findings int }

func (d *discard) File(_ string, fs []finding.Finding, _ []finding.Error) error {
	d.findings += len(fs)
	return nil
}

// generateCluster creates pods pods in the test API server: namespaces of
// 100 pods, each namespace 10 Deployments with a ReplicaSet and 10 pods
// each, the pod specs cycling through passing, restricted-failing and
// baseline-failing ones.
func generateCluster(b *testing.B, env *testenv.Env, pods int) {
	b.Helper()
	f := newFixture(b, env.Config)
	kinds := []string{"restricted", "plain", "rootish", "privileged", "hostnet"}
	const perNS, perDeploy = 100, 10
	start := time.Now()
	var g errgroup.Group
	g.SetLimit(32)
	for n := 0; n*perNS < pods; n++ {
		ns := fmt.Sprintf("bench-%03d", n)
		f.namespace(ns, nil)
		for d := 0; d*perDeploy < perNS && n*perNS+d*perDeploy < pods; d++ {
			name := fmt.Sprintf("app-%02d", d)
			spec := kinds[(n+d)%len(kinds)]
			g.Go(func() error {
				labels := map[string]string{"app": name}
				tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: specs[spec]()}
				dep, err := f.admin.AppsV1().Deployments(ns).Create(f.ctx, &appsv1.Deployment{
					ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
					Spec:       appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl},
				}, metav1.CreateOptions{})
				if err != nil {
					return err
				}
				rs, err := f.admin.AppsV1().ReplicaSets(ns).Create(f.ctx, &appsv1.ReplicaSet{
					ObjectMeta: metav1.ObjectMeta{Name: name + "-5c6d7", Namespace: ns, Labels: labels,
						OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: name, UID: dep.UID, Controller: ptr.To(true)}}},
					Spec: appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl},
				}, metav1.CreateOptions{})
				if err != nil {
					return err
				}
				for i := range perDeploy {
					_, err := f.admin.CoreV1().Pods(ns).Create(f.ctx, &corev1.Pod{
						ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%05d", rs.Name, i), Namespace: ns, Labels: labels,
							OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: ptr.To(true)}}},
						Spec: specs[spec](),
					}, metav1.CreateOptions{})
					if err != nil {
						return err
					}
				}
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d pods in %s", pods, time.Since(start).Round(time.Millisecond))
}

func benchPods() int {
	if n, err := strconv.Atoi(os.Getenv("PALISADE_BENCH_PODS")); err == nil && n > 0 {
		return n
	}
	return 5000
}

// BenchmarkCluster5000Pods measures `cluster scan` and `cluster preview`
// (list, then evaluate) over a generated cluster of 5,000 pods
// (PALISADE_BENCH_PODS), counting the API calls.
func BenchmarkCluster5000Pods(b *testing.B) {
	env := testenv.Start(b, testenv.Options{})
	pods := benchPods()
	admin := newFixture(b, env.Config).admin
	generateCluster(b, env, pods)
	ctx := context.Background()
	lv := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}

	b.Run("scan", func(b *testing.B) {
		eng := restrictedEngine(b)
		kinds := KindsFor(ForScan, eng.CheckKinds())
		var listTime time.Duration
		var objects, reported int
		b.ResetTimer()
		for range b.N {
			cfg, calls, _ := counted(env.Config)
			t0 := time.Now()
			snap, problems, err := List(ctx, cfg, "bench", kinds, ListOptions{})
			if err != nil || len(problems) > 0 {
				b.Fatal(err, problems)
			}
			listTime += time.Since(t0)
			objects = len(snap.Items())
			var d discard
			res, err := Scan(ctx, eng, snap, nil, ScanOptions{}, &d)
			if err != nil {
				b.Fatal(err)
			}
			reported = res.Resources
			b.ReportMetric(float64(calls.Load()), "apicalls/op")
		}
		b.ReportMetric(float64(objects), "objects")
		b.ReportMetric(float64(reported), "reported")
		b.ReportMetric(float64(listTime.Milliseconds())/float64(b.N), "list-ms/op")
	})

	b.Run("preview", func(b *testing.B) {
		eng, err := engine.New(PreviewEngineOptions(engine.Options{}, lv))
		if err != nil {
			b.Fatal(err)
		}
		defaults, _ := DefaultAdmission()
		var rejected int
		b.ResetTimer()
		for range b.N {
			cfg, calls, _ := counted(env.Config)
			snap, problems, err := List(ctx, cfg, "bench", KindsFor(ForPreview, nil), ListOptions{})
			if err != nil || len(problems) > 0 {
				b.Fatal(err, problems)
			}
			p, err := RunPreview(eng, snap, nil, PreviewOptions{Target: lv, Defaults: defaults})
			if err != nil {
				b.Fatal(err)
			}
			rejected = 0
			for _, n := range p.Namespaces {
				rejected += len(n.WouldReject)
			}
			b.ReportMetric(float64(calls.Load()), "apicalls/op")
		}
		b.ReportMetric(float64(rejected), "rejected")
	})

	// For scale: the API server's own answer for one namespace, which is
	// what preview replaces for every namespace at once.
	b.Run("server-dry-run-one-namespace", func(b *testing.B) {
		patch := []byte(`{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"restricted"}}}`)
		for range b.N {
			if _, err := admin.CoreV1().Namespaces().Patch(ctx, "bench-000", "application/merge-patch+json", patch,
				metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
