package cluster

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
)

// specs are pod specs of known verdicts, by name.
var specs map[string]func() corev1.PodSpec

func init() { specs = specTable() }

func specTable() map[string]func() corev1.PodSpec {
	return map[string]func() corev1.PodSpec{
		// restricted passes every level.
		"restricted": func() corev1.PodSpec {
			return corev1.PodSpec{
				SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true),
					SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
				Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1.0", ImagePullPolicy: corev1.PullIfNotPresent,
					SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false),
						Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}}},
			}
		},
		// plain passes baseline and fails restricted on four checks.
		"plain": func() corev1.PodSpec {
			return corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1.0", ImagePullPolicy: corev1.PullIfNotPresent}}}
		},
		// rootish fails restricted on runAsNonRoot only.
		"rootish": func() corev1.PodSpec {
			s := specs["restricted"]()
			s.SecurityContext.RunAsNonRoot = nil
			return s
		},
		// privileged fails baseline.
		"privileged": func() corev1.PodSpec {
			s := specs["plain"]()
			s.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
			return s
		},
		// hostnet fails baseline twice: hostNetwork and (defaulted) hostPort.
		"hostnet": func() corev1.PodSpec {
			s := specs["restricted"]()
			s.HostNetwork = true
			s.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080}}
			return s
		},
	}
}

type fixture struct {
	t     testing.TB
	ctx   context.Context
	admin *kubernetes.Clientset
}

func newFixture(t testing.TB, cfg *rest.Config) *fixture {
	c := rest.CopyConfig(cfg)
	c.QPS, c.Burst = 500, 1000
	c.WarningHandler = rest.NoWarnings{} // the fixtures draw Pod Security warnings on purpose
	return &fixture{t: t, ctx: context.Background(), admin: kubernetes.NewForConfigOrDie(c)}
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) namespace(name string, labels map[string]string) {
	f.t.Helper()
	_, err := f.admin.CoreV1().Namespaces().Create(f.ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{})
	f.must(err)
}

func (f *fixture) pod(ns, name, spec string, mutate ...func(*corev1.Pod)) *corev1.Pod {
	f.t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": name}}, Spec: specs[spec]()}
	for _, m := range mutate {
		m(p)
	}
	p, err := f.admin.CoreV1().Pods(ns).Create(f.ctx, p, metav1.CreateOptions{})
	f.must(err)
	return p
}

// deployment creates a Deployment, its ReplicaSet and replicas pods as the
// controllers would (no controller manager runs in the test cluster).
func (f *fixture) deployment(ns, name, spec string, replicas int) []*corev1.Pod {
	f.t.Helper()
	labels := map[string]string{"app": name}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: specs[spec]()}
	d, err := f.admin.AppsV1().Deployments(ns).Create(f.ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To(int32(replicas)),
			Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl},
	}, metav1.CreateOptions{})
	f.must(err)
	rsName := name + "-7d9f8"
	rs, err := f.admin.AppsV1().ReplicaSets(ns).Create(f.ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: rsName, Namespace: ns, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: name, UID: d.UID, Controller: ptr.To(true)}}},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To(int32(replicas)),
			Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl},
	}, metav1.CreateOptions{})
	f.must(err)
	var pods []*corev1.Pod
	for i := range replicas {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%05d", rsName, i), Namespace: ns, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rsName, UID: rs.UID, Controller: ptr.To(true)}}},
			Spec: specs[spec]()}
		p, err := f.admin.CoreV1().Pods(ns).Create(f.ctx, p, metav1.CreateOptions{})
		f.must(err)
		pods = append(pods, p)
	}
	return pods
}

// countingTransport counts the requests a client makes.
type countingTransport struct {
	next  http.RoundTripper
	calls *atomic.Int64
	lists *atomic.Int64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.calls.Add(1)
	if r.Method == http.MethodGet {
		c.lists.Add(1)
	}
	return c.next.RoundTrip(r)
}

// counted returns a copy of cfg whose requests are counted.
func counted(cfg *rest.Config) (*rest.Config, *atomic.Int64, *atomic.Int64) {
	var calls, lists atomic.Int64
	c := rest.CopyConfig(cfg)
	c.QPS, c.Burst = 1000, 1000
	c.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return countingTransport{next: rt, calls: &calls, lists: &lists}
	}
	return c, &calls, &lists
}
