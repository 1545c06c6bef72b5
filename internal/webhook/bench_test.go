package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/palisade-dev/palisade/internal/config"
)

// benchRequest is bench/webhook-testdata/<name>.yaml as the API server
// sends it: a CREATE by a controller's service account.
func benchRequest(b testing.TB, name string, res metav1.GroupVersionResource, kind metav1.GroupVersionKind) *admissionv1.AdmissionRequest {
	data, err := os.ReadFile("../../bench/webhook-testdata/" + name + ".yaml")
	if err != nil {
		b.Fatal(err)
	}
	raw, err := yaml.YAMLToJSON(data)
	if err != nil {
		b.Fatal(err)
	}
	return &admissionv1.AdmissionRequest{
		UID: "bench", Kind: kind, Resource: res, RequestKind: &kind, RequestResource: &res,
		Name: name, Namespace: "bench", Operation: admissionv1.Create,
		UserInfo: authnv1.UserInfo{Username: "system:serviceaccount:kube-system:replicaset-controller", Groups: []string{"system:serviceaccounts"}},
		Object:   runtime.RawExtension{Raw: raw},
		Options:  runtime.RawExtension{Raw: []byte(`{"kind":"CreateOptions","apiVersion":"meta.k8s.io/v1"}`)},
	}
}

func benchRequests(b testing.TB) map[string]*admissionv1.AdmissionRequest {
	return map[string]*admissionv1.AdmissionRequest{
		"Pod": benchRequest(b, "pod", metav1.GroupVersionResource{Version: "v1", Resource: "pods"}, metav1.GroupVersionKind{Version: "v1", Kind: "Pod"}),
		"Deployment": benchRequest(b, "deployment", metav1.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"},
			metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}),
	}
}

// benchServer has every check enabled (warn), the ten Rego policies of
// bench/webhook-testdata/policies (seven Conftest, three Gatekeeper), and
// the bench namespace at restricted for enforce, audit and warn: the most
// work a request can cause.
func benchServer(b testing.TB) *Server {
	c := cluster()
	restricted := c.namespaces["restricted"].DeepCopy()
	restricted.Name = "bench"
	c.namespaces["bench"] = restricted
	c.pods = map[string][]*corev1.Pod{}
	return newServer(b, setup{cluster: c, checks: []string{}, policies: []string{"../../bench/webhook-testdata/policies"}, webhook: config.WebhookConfig{}})
}

// BenchmarkReview is the decision alone: upstream's admission, the
// exceptions wrapper and every extra check.
func BenchmarkReview(b *testing.B) {
	srv := benchServer(b)
	for kind, req := range benchRequests(b) {
		b.Run(kind, func(b *testing.B) {
			if resp := srv.Review(context.Background(), req); !resp.Allowed || strings.Contains(strings.Join(resp.Warnings, ""), "[policy/") {
				b.Fatalf("the typical object must pass every policy: %v %q", resp.Result, resp.Warnings)
			}
			b.ReportAllocs()
			for b.Loop() {
				srv.Review(context.Background(), req)
			}
		})
	}
}

// BenchmarkHandler adds what HTTP costs besides the network: reading and
// decoding the AdmissionReview, the deadline and slot, encoding the answer.
func BenchmarkHandler(b *testing.B) {
	srv := benchServer(b)
	h := srv.Handler(nil)
	for kind, req := range benchRequests(b) {
		body, err := json.Marshal(admissionv1.AdmissionReview{TypeMeta: metaV1Review, Request: req})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/validate?timeout=10s", bytes.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatal(w.Body.String())
				}
			}
		})
	}
}
