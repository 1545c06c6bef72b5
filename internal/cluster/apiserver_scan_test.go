package cluster

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/scan"
)

// collect is a sink that keeps everything.
type collect struct {
	units    []string
	findings []finding.Finding
	errs     []finding.Error
}

func (c *collect) File(name string, fs []finding.Finding, es []finding.Error) error {
	c.units = append(c.units, name)
	c.findings = append(c.findings, fs...)
	c.errs = append(c.errs, es...)
	return nil
}

func restrictedEngine(t testing.TB) *engine.Engine {
	t.Helper()
	lv := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}
	eng, err := engine.New(engine.Options{Defaults: api.Policy{Enforce: lv, Audit: lv, Warn: lv}})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func kindOf(o *manifest.Object) (Kind, bool) {
	for _, k := range Kinds {
		if k.Kind == o.Kind && k.APIVersion() == o.APIVersion {
			return k, true
		}
	}
	return Kind{}, false
}

// oneEngineYAML holds one object of each family the engine judges, as a
// user would write them (the API server then adds its defaults).
const oneEngineYAML = `apiVersion: v1
kind: Namespace
metadata:
  name: one
  labels:
    kubernetes.io/metadata.name: one
    pod-security.kubernetes.io/enforce: baseline
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: one}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      hostNetwork: true
      containers:
      - name: app
        image: registry.example/app:latest
        imagePullPolicy: Always
        ports: [{containerPort: 8080}]
        securityContext: {privileged: true, capabilities: {add: [NET_ADMIN]}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: one}
spec:
  schedule: "0 1 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          volumes: [{name: host, hostPath: {path: /var/run}}]
          containers: [{name: job, image: registry.example/job:1.0, imagePullPolicy: IfNotPresent}]
---
apiVersion: v1
kind: Service
metadata: {name: public, namespace: one}
spec:
  type: LoadBalancer
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-in, namespace: one}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: everything, namespace: one}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: everything, namespace: one}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: everything}
subjects: [{kind: ServiceAccount, name: default, namespace: one}]
`

// testOneEngine: the same objects scanned from a file (scan.Run) and read
// back from the API server (List + Scan) give the same findings, except
// for file and line.
func testOneEngine(t *testing.T, lc *liveCluster) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "one.yaml")
	if err := os.WriteFile(path, []byte(oneEngineYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	objs, errs := manifest.Decode(path, []byte(oneEngineYAML))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	quiet := rest.CopyConfig(lc.env.Config)
	quiet.WarningHandler = rest.NoWarnings{} // the objects violate baseline on purpose
	dyn := dynamic.NewForConfigOrDie(quiet)
	ours := map[finding.Resource]bool{}
	for _, o := range objs {
		k, ok := kindOf(o)
		if !ok {
			t.Fatalf("no kind for %s", o.Kind)
		}
		ours[finding.Resource{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}] = true
		var ri dynamic.ResourceInterface = dyn.Resource(k.Resource)
		if k.Namespaced {
			ri = dyn.Resource(k.Resource).Namespace(o.Namespace)
		}
		if _, err := ri.Create(ctx, &unstructured.Unstructured{Object: o.Content}, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating %s %s: %v", o.Kind, o.Name, err)
		}
	}

	eng := restrictedEngine(t)
	var fromFile collect
	if _, err := scan.Run(ctx, eng, []string{path}, nil, scan.Options{}, &fromFile); err != nil {
		t.Fatal(err)
	}
	snap, problems, err := List(ctx, lc.env.Config, "envtest", KindsFor(ForScan, eng.CheckKinds()), ListOptions{Namespace: "one"})
	if err != nil || len(problems) > 0 {
		t.Fatalf("list: %v %v", err, problems)
	}
	var fromCluster collect
	if _, err := Scan(ctx, eng, snap, nil, ScanOptions{}, &fromCluster); err != nil {
		t.Fatal(err)
	}
	norm := func(fs []finding.Finding) []finding.Finding {
		var out []finding.Finding
		for _, f := range fs {
			if ours[f.Resource] {
				f.File, f.Line = "", 0
				out = append(out, f)
			}
		}
		finding.Sort(out)
		return out
	}
	a, b := norm(fromFile.findings), norm(fromCluster.findings)
	if len(a) == 0 {
		t.Fatal("the file scan found nothing; the fixture proves nothing")
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("file and cluster differ\nfile:    %d findings\ncluster: %d findings", len(a), len(b))
		for _, f := range a {
			if !slices.Contains(b, f) {
				t.Errorf("only in file:    %s %s %s: %s", f.Check, f.Resource, f.Path, f.Message)
			}
		}
		for _, f := range b {
			if !slices.Contains(a, f) {
				t.Errorf("only in cluster: %s %s %s: %s", f.Check, f.Resource, f.Path, f.Message)
			}
		}
	}
	if want := []string{"cluster:envtest/one"}; !slices.Equal(fromCluster.units, want) {
		t.Errorf("units = %q, want %q", fromCluster.units, want)
	}
}

// grant gives user list on resources cluster-wide and waits until the
// authorizer has seen it.
func grant(t *testing.T, lc *liveCluster, user string, rules []rbacv1.PolicyRule) *rest.Config {
	t.Helper()
	f := newFixture(t, lc.env.Config)
	_, err := f.admin.RbacV1().ClusterRoles().Create(f.ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: user}, Rules: rules}, metav1.CreateOptions{})
	f.must(err)
	_, err = f.admin.RbacV1().ClusterRoleBindings().Create(f.ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: user},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: user},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
	}, metav1.CreateOptions{})
	f.must(err)
	cfg := lc.env.AddUser(t, user)
	// The authorizer's cache catches up within a moment.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, problems, err := List(f.ctx, cfg, "envtest", []Kind{Kinds[0]}, ListOptions{})
		if err == nil && len(problems) == 0 {
			return cfg
		}
		if time.Now().After(deadline) {
			t.Fatalf("user %s still cannot list namespaces: %v %v", user, err, problems)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func testMissingPermission(t *testing.T, lc *liveCluster) {
	cfg := grant(t, lc, "limited", []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"namespaces", "pods"}, Verbs: []string{"list"}}})
	eng := restrictedEngine(t)
	kinds := KindsFor(ForScan, eng.CheckKinds())
	snap, problems, err := List(context.Background(), cfg, "envtest", kinds, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var denied []string
	for _, p := range problems {
		if !p.Forbidden || p.Verb != "list" {
			t.Errorf("problem %v: want a forbidden list", p)
		}
		denied = append(denied, p.Kind.Kind)
	}
	var want []string
	for _, k := range kinds {
		if k.Kind != "Namespace" && k.Kind != "Pod" {
			want = append(want, k.Kind)
		}
	}
	if !slices.Equal(denied, want) {
		t.Errorf("denied kinds = %v, want %v", denied, want)
	}
	msg := problems[slices.IndexFunc(problems, func(p Problem) bool { return p.Kind.Kind == "Deployment" })].Error()
	if wantMsg := `no permission to list Deployment (apps/v1 deployments) in all namespaces, so none were checked: User "limited" cannot list resource "deployments" in API group "apps" at the cluster scope`; msg != wantMsg {
		t.Errorf("message:\n got %s\nwant %s", msg, wantMsg)
	}
	var out collect
	res, err := Scan(context.Background(), eng, snap, problems, ScanOptions{}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != len(problems) || len(out.errs) != len(problems) || out.errs[0].File != "cluster:envtest" {
		t.Errorf("errors = %d %v, want one per problem under cluster:envtest", res.Errors, out.errs)
	}
	// The ReplicaSets could not be read, so their pods stand for themselves.
	if !slices.ContainsFunc(out.findings, func(f finding.Finding) bool { return f.Resource.Name == "web-7d9f8-00000" }) {
		t.Error("pods of an unreadable ReplicaSet are not reported")
	}
}

func testReaderRole(t *testing.T, lc *liveCluster) {
	rules := readerRules(t)
	cfg := grant(t, lc, "reader", rules)
	_, problems, err := List(context.Background(), cfg, "envtest", Kinds, ListOptions{})
	if err != nil || len(problems) > 0 {
		t.Fatalf("with deploy/cluster-reader-rbac.yaml: %v %v", err, problems)
	}
}

// readerRules reads the ClusterRole of deploy/cluster-reader-rbac.yaml.
func readerRules(t *testing.T) []rbacv1.PolicyRule {
	t.Helper()
	const file = "../../deploy/cluster-reader-rbac.yaml"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	objs, errs := manifest.Decode(file, data)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, o := range objs {
		if o.Kind == "ClusterRole" {
			var cr rbacv1.ClusterRole
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Content, &cr); err != nil {
				t.Fatal(err)
			}
			return cr.Rules
		}
	}
	t.Fatalf("%s holds no ClusterRole", file)
	return nil
}

func testPagination(t *testing.T, lc *liveCluster) {
	cfg, calls, _ := counted(lc.env.Config)
	kinds := KindsFor(ForPreview, nil)
	snap, problems, err := List(context.Background(), cfg, "envtest", kinds, ListOptions{PageSize: 2})
	if err != nil || len(problems) > 0 {
		t.Fatalf("list: %v %v", err, problems)
	}
	perKind := map[string]int{}
	for _, it := range snap.Items() {
		perKind[it.Object.Kind]++
	}
	want := int64(0)
	for _, k := range kinds {
		want += int64(max(1, (perKind[k.Kind]+1)/2))
	}
	if calls.Load() != want {
		t.Errorf("%d API calls for %v, want %d (pages of 2)", calls.Load(), perKind, want)
	}

	snap, _, err = List(context.Background(), lc.env.Config, "envtest", kinds, ListOptions{Namespace: "legacy"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, it := range snap.Items() {
		names = append(names, it.Object.Kind+"/"+it.Object.Name)
	}
	if w := []string{"Namespace/legacy", "Pod/hostnet-a", "Pod/plain-c", "Pod/priv-b"}; !slices.Equal(names, w) {
		t.Errorf("--namespace legacy read %v, want %v", names, w)
	}
}

func testOwners(t *testing.T, lc *liveCluster) {
	eng := restrictedEngine(t)
	snap, _, err := List(context.Background(), lc.env.Config, "envtest", KindsFor(ForScan, eng.CheckKinds()), ListOptions{Namespace: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		all        bool
		want, none []string
	}{
		{false, []string{"Deployment/web", "Deployment/api", "Pod/debug", "Pod/plain-1"}, []string{"ReplicaSet/web-7d9f8", "Pod/web-7d9f8-00000"}},
		{true, []string{"Deployment/web", "ReplicaSet/web-7d9f8", "Pod/web-7d9f8-00000", "Pod/debug"}, nil},
	} {
		snap := snapshotCopy(t, lc, eng)
		var out collect
		if _, err := Scan(context.Background(), eng, snap, nil, ScanOptions{AllObjects: tc.all}, &out); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, f := range out.findings {
			seen[f.Resource.Kind+"/"+f.Resource.Name] = true
		}
		for _, w := range tc.want {
			if !seen[w] {
				t.Errorf("all-objects=%v: no finding on %s", tc.all, w)
			}
		}
		for _, n := range tc.none {
			if seen[n] {
				t.Errorf("all-objects=%v: %s reported, its owner stands for it", tc.all, n)
			}
		}
	}
	target := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}
	peng, _ := engine.New(PreviewEngineOptions(engine.Options{}, target))
	defaults, _ := DefaultAdmission()
	p, err := RunPreview(peng, snap, nil, PreviewOptions{Target: target, Defaults: defaults})
	if err != nil {
		t.Fatal(err)
	}
	np := p.Namespaces[0]
	var owners, warned []string
	for _, v := range np.WouldReject {
		owners = append(owners, v.Name+"<"+v.Owner)
	}
	for _, v := range np.WouldWarn {
		warned = append(warned, v.Kind+"/"+v.Name)
	}
	if w := "web-7d9f8-00002<Deployment/web"; !slices.Contains(owners, w) || !slices.Contains(owners, "debug<") {
		t.Errorf("owners %v, want %s and debug without owner", owners, w)
	}
	if w := []string{"Deployment/api", "Deployment/web"}; !slices.Equal(warned, w) {
		t.Errorf("warned %v, want %v", warned, w)
	}
	if !strings.Contains(np.Current["enforce"], "privileged:latest") {
		t.Errorf("current = %v", np.Current)
	}
}

// snapshotCopy reads shop again: Scan releases object contents.
func snapshotCopy(t *testing.T, lc *liveCluster, eng *engine.Engine) *Snapshot {
	t.Helper()
	snap, _, err := List(context.Background(), lc.env.Config, "envtest", KindsFor(ForScan, eng.CheckKinds()), ListOptions{Namespace: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}
