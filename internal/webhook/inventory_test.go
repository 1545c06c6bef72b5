package webhook

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	admissionv1 "k8s.io/api/admission/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/pod-security-admission/admission/api/load"

	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/policy"
	"github.com/palisade-dev/palisade/internal/testenv"
)

func ingress(name, host string) *networkingv1.Ingress {
	return &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: host}}},
	}
}

// TestInventorySync: on a real API server, a referential policy (the
// example policies/examples/ingress-unique-host) sees the
// cluster's Ingresses in data.inventory at admission, follows their
// creation and deletion, and gives the verdict a scan of the same objects
// gives.
func TestInventorySync(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	loaded, err := policy.Load(context.Background(), policy.Options{Paths: []string{"../../policies/examples/ingress-unique-host"}})
	if err != nil {
		t.Fatal(err)
	}
	inv := policy.NewInventory()
	set := loaded.WithInventory(inv)
	kinds, anyKind := set.InventoryKinds()
	if strings.Join(kinds, ",") != "Ingress" || anyKind {
		t.Fatalf("InventoryKinds = %v, %v", kinds, anyKind)
	}
	eng, err := engine.New(engine.Options{Checks: []string{"policy/*"}, Policies: set})
	if err != nil {
		t.Fatal(err)
	}
	psc, err := load.LoadFromData(nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(testWriter{t}, nil))
	srv, err := New(Options{Engine: eng, Extras: eng, PodSecurity: psc, Cluster: cluster(), Config: config.WebhookConfig{}, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	client := kubernetes.NewForConfigOrDie(env.Config)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sync := NewInventorySync(inv, dynamic.NewForConfigOrDie(env.Config), client.Discovery(), log)
	// An Ingress stored before the sync starts is in data.inventory as
	// soon as WaitForSync returns, not a rebuild later.
	if _, err := client.NetworkingV1().Ingresses("default").Create(ctx, ingress("z", "search.example.com"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := sync.Sync(ctx, kinds); err != nil {
		t.Fatal(err)
	}
	if !sync.WaitForSync(ctx, time.Minute) || !sync.Synced() {
		t.Fatal("inventory not synced")
	}
	y, err := manifest.NewObject(map[string]any{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": map[string]any{"name": "y", "namespace": "default"},
		"spec":     map[string]any{"rules": []any{map[string]any{"host": "search.example.com"}}}}, manifest.Source{File: "y.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if fs, err := set.Evaluate(ctx, y, inventory.New()); err != nil || len(fs) != 1 || !strings.Contains(fs[0].Message, "default/z") {
		t.Fatalf("right after WaitForSync: %v %v", fs, err)
	}
	if err := sync.Sync(ctx, []string{"Ingress", "NoSuchKind"}); err == nil || !strings.Contains(err.Error(), "NoSuchKind") {
		t.Errorf("an unserved kind: %v", err)
	}

	b := ingress("b", "shop.example.com")
	raw, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	gvk := metav1.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"}
	gvr := metav1.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}
	req := &admissionv1.AdmissionRequest{UID: "inv", Kind: gvk, Resource: gvr, RequestKind: &gvk, RequestResource: &gvr,
		Name: "b", Namespace: "default", Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw}}
	const conflict = "ingress host shop.example.com is served by ingress default/a already"
	verdict := func() string {
		resp := srv.Review(ctx, req)
		if resp.Allowed {
			return "allowed"
		}
		return resp.Result.Message
	}
	eventually := func(what string, ok func(string) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			got := verdict()
			if ok(got) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: got %q", what, got)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if got := verdict(); got != "allowed" {
		t.Fatalf("no other ingress yet: %q", got)
	}

	a := ingress("a", "shop.example.com")
	if _, err := client.NetworkingV1().Ingresses("default").Create(ctx, a, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually("after ingress a is created", func(v string) bool { return strings.Contains(v, conflict) })
	// The metrics say how much is kept, and that the Ingresses are listed.
	reg := prometheus.NewRegistry()
	if err := sync.Register(reg); err != nil {
		t.Fatal(err)
	}
	metrics, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range metrics {
		for _, m := range mf.GetMetric() {
			name := mf.GetName()
			for _, l := range m.GetLabel() {
				name += "{" + l.GetName() + "=" + l.GetValue() + "}"
			}
			got[name] = m.GetGauge().GetValue()
		}
	}
	if got["palisade_webhook_inventory_objects"] != 2 || got["palisade_webhook_inventory_synced{resource=ingresses.networking.k8s.io}"] != 1 {
		t.Errorf("inventory metrics: %v", got)
	}

	// The scan's verdict over files holding a and b.
	scanned := loaded.WithInventory(policy.NewInventory())
	keep, _ := scanned.Keeper()
	objs := map[string]*manifest.Object{}
	for _, ing := range []*networkingv1.Ingress{a, b} {
		data, _ := json.Marshal(ing)
		m, err := manifest.DecodeJSONObject(data)
		if err != nil {
			t.Fatal(err)
		}
		o, err := manifest.NewObject(m, manifest.Source{File: ing.Name + ".json"})
		if err != nil {
			t.Fatal(err)
		}
		keep(o)
		objs[ing.Name] = o
	}
	messages := func(s *policy.Set) string {
		fs, err := s.Evaluate(ctx, objs["b"], inventory.New())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range fs {
			out = append(out, f.Check+": "+f.Message)
		}
		return strings.Join(out, "\n")
	}
	if got, want := messages(set), messages(scanned); got != want || !strings.Contains(got, conflict) {
		t.Errorf("admission inventory gives %q, scan %q", got, want)
	}
	if !strings.Contains(verdict(), "[policy/") {
		t.Errorf("the denial names no policy: %q", verdict())
	}

	if err := client.NetworkingV1().Ingresses("default").Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually("after ingress a is deleted", func(v string) bool { return v == "allowed" })
}
