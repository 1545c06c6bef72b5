package webhook

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// compareTyped decodes raw into new objects of t with sigs.k8s.io/json and
// with unmarshalTyped and reports how they differ: unmarshalTyped must give
// the same object, or the same error, in every case. fast tells whether
// the v2 decoder took raw itself.
func compareTyped(t reflect.Type, raw []byte) (fast bool, diff string) {
	want, got := reflect.New(t).Interface(), reflect.New(t).Interface()
	wantErr := kjson.UnmarshalCaseSensitivePreserveInts(raw, want)
	gotErr := unmarshalTyped(raw, got)
	fast = jsonv2.Unmarshal(raw, reflect.New(t).Interface(), typedOptions) == nil
	switch {
	case (wantErr == nil) != (gotErr == nil):
		return fast, fmt.Sprintf("sigs.k8s.io/json error %v, unmarshalTyped error %v", wantErr, gotErr)
	case wantErr != nil && wantErr.Error() != gotErr.Error():
		return fast, fmt.Sprintf("errors differ: %v / %v", wantErr, gotErr)
	case fast && wantErr != nil:
		return fast, fmt.Sprintf("v2 took what sigs.k8s.io/json refuses: %v", wantErr)
	case !reflect.DeepEqual(want, got):
		return fast, fmt.Sprintf("objects differ:\n%#v\n%#v", want, got)
	}
	return fast, ""
}

// TestTypedDecodeMatches holds unmarshalTyped to sigs.k8s.io/json on every
// object of a type upstream's admission decodes in upstream's fixtures
// (always in the module cache) and the shared corpus (when present).
func TestTypedDecodeMatches(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/pod-security-admission").Output()
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{filepath.Join(strings.TrimSpace(string(out)), "test", "testdata"), "/work/shared/corpus"}
	for i, dir := range dirs {
		if _, err := os.Stat(dir); err != nil && i > 0 {
			t.Logf("%s: skipped (%v)", dir, err)
			continue
		}
		var docs, fast int
		err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || (filepath.Ext(path) != ".yaml" && filepath.Ext(path) != ".yml") {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for j, doc := range strings.Split(string(data), "\n---") {
				raw, err := yaml.YAMLToJSON([]byte(doc))
				if err != nil {
					continue
				}
				var tm struct{ APIVersion, Kind string }
				if json.Unmarshal(raw, &tm) != nil {
					continue
				}
				gv, err := schema.ParseGroupVersion(tm.APIVersion)
				if err != nil {
					continue
				}
				obj, err := scheme.New(gv.WithKind(tm.Kind))
				if err != nil {
					continue
				}
				docs++
				took, diff := compareTyped(reflect.TypeOf(obj).Elem(), raw)
				if took {
					fast++
				}
				if diff != "" {
					t.Errorf("%s#%d: %s", path, j, diff)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d typed objects, %d taken by the v2 decoder", dir, docs, fast)
		if i == 0 && (docs < 1000 || fast*10 < docs*9) {
			t.Errorf("upstream fixtures: %d objects, %d decoded by v2: the fast path is not being used", docs, fast)
		}
	}
}

// typedSeeds are inputs where v1 and v2 semantics part, or might.
var typedSeeds = []string{
	`{"kind":"Pod","spec":{"containers":[{"name":"a","securityContext":{"privileged":true}}]}}`,
	`{"spec":{"containers":[{"name":"a","SecurityContext":{"Privileged":true}}]}}`,
	`{"spec":{"hostNetwork":true,"hostNetwork":false}}`,
	`{"spec":{"hostNetwork":true,"hostNetwork":null}}`,
	`{"metadata":{"name":"a","name":null,"labels":{"a":"b"},"labels":{"c":"d"}}}`,
	`{"spec":{"containers":[{"name":"a"}],"containers":[{"image":"b"}]}}`,
	`{"spec":{"containers":[{"name":"a"}],"containers":null}}`,
	`{"spec":{"securityContext":{"runAsUser":1.0}}}`,
	`{"spec":{"securityContext":{"runAsUser":1e2}}}`,
	`{"spec":{"securityContext":{"runAsUser":9223372036854775808}}}`,
	`{"spec":{"securityContext":{"runAsUser":"1"}}}`,
	`{"spec":{"containers":[{"name":"\xff\xfe","ports":[{"containerPort":80}]}]}}`,
	`{"spec":{"containers":[{"name":"a\ud800b"}]}}`,
	`{"spec":{"containers":[{"resources":{"limits":{"cpu":"100m","memory":"1Gi"}}}]}}`,
	`{"spec":{"containers":[{"resources":{"limits":{"cpu":1.5,"memory":1e9}}}]}}`,
	`{"spec":{"containers":[{"resources":{"limits":{"cpu":"x"}}}]}}`,
	`{"spec":{"containers":[{"livenessProbe":{"httpGet":{"port":"http"}}},{"livenessProbe":{"httpGet":{"port":8080}}}]}}`,
	`{"metadata":{"creationTimestamp":"2024-01-02T03:04:05Z","deletionTimestamp":null}}`,
	`{"metadata":{"creationTimestamp":"2024-01-02"}}`,
	`{"spec":{"template":{"spec":{"hostPID":true}}}}`,
	`{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"hostIPC":true}}}}}}`,
	`{"spec":{"volumes":[{"name":"a","hostPath":{"path":"/"}}],"volumes":[{}]}}`,
	`{"spec":{"replicas":3,"selector":{"matchLabels":{"a":"b"}}}}`,
	`{"spec":{"containers":[1,2]}}`,
	`{"spec":{"containers":{}}}`,
	`{"spec":[]}`, `[]`, `null`, `{}`, `{"a":}`, `{"spec":{"containers":[{"name":"a"}]}} x`, ` {"spec":{}} `,
	`{"data":{"a":"YWJj","b":"YW Jj","c":"YWJ"},"binaryData":{"x":"eA=="}}`,
}

var typedTypes = []reflect.Type{
	reflect.TypeFor[corev1.Pod](), reflect.TypeFor[appsv1.Deployment](), reflect.TypeFor[batchv1.CronJob](),
	reflect.TypeFor[corev1.Namespace](), reflect.TypeFor[corev1.ConfigMap](),
}

// FuzzTypedDecode holds unmarshalTyped to sigs.k8s.io/json on any input,
// for the object types a webhook request most often carries.
func FuzzTypedDecode(f *testing.F) {
	for _, s := range typedSeeds {
		f.Add([]byte(s))
	}
	for _, req := range benchRequests(f) {
		f.Add(req.Object.Raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, typ := range typedTypes {
			if _, diff := compareTyped(typ, raw); diff != "" {
				t.Fatalf("%v on %q: %s", typ, raw, diff)
			}
		}
	})
}

// FuzzDecodeReview holds the AdmissionReview decoding to encoding/json's.
func FuzzDecodeReview(f *testing.F) {
	for _, s := range []string{
		`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"a","kind":{"group":"","version":"v1","kind":"Pod"},"object":{"kind":"Pod"},"oldObject":null,"dryRun":true,"options":{"a":1}}}`,
		`{"APIVERSION":"admission.k8s.io/v1","Kind":"AdmissionReview","Request":{"UID":"a","userInfo":{"username":"u","groups":["g"],"extra":{"k":["v"]}}}}`,
		`{"request":{"uid":"a","uid":"b","object":{"x":[1,2,{"y":"\u00e9"}]},"object":{"z":1}}}`,
		`{"request":{"uid":"\xff","name":"a\ud800"}}`,
		`{"request":{"operation":1}}`, `{"request":[]}`, `{}`, `null`, `[]`, `{"request":{"object":}}`, `{} {}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var want, got admissionv1.AdmissionReview
		wantErr, gotErr := json.Unmarshal(body, &want), decodeJSON(body, &got)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("%q: encoding/json error %v, decodeJSON error %v", body, wantErr, gotErr)
		}
		if wantErr == nil && !reflect.DeepEqual(want, got) {
			t.Fatalf("%q: objects differ:\n%#v\n%#v", body, want, got)
		}
	})
}

// BenchmarkDecode compares the request path's JSON decoding with the
// decoders it stands for: the AdmissionReview with encoding/json, the
// typed object with sigs.k8s.io/json.
func BenchmarkDecode(b *testing.B) {
	for kind, req := range benchRequests(b) {
		body, err := json.Marshal(admissionv1.AdmissionReview{TypeMeta: metaV1Review, Request: req})
		if err != nil {
			b.Fatal(err)
		}
		typ := typedTypes[0] // Pod
		if kind == "Deployment" {
			typ = typedTypes[1]
		}
		for name, decode := range map[string]func(){
			"review/encoding-json": func() { var r admissionv1.AdmissionReview; _ = json.Unmarshal(body, &r) },
			"review/decodeJSON":    func() { var r admissionv1.AdmissionReview; _ = decodeJSON(body, &r) },
			"typed/sigs-json": func() {
				_ = kjson.UnmarshalCaseSensitivePreserveInts(req.Object.Raw, reflect.New(typ).Interface())
			},
			"typed/unmarshalTyped": func() { _ = unmarshalTyped(req.Object.Raw, reflect.New(typ).Interface()) },
		} {
			b.Run(kind+"/"+name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					decode()
				}
			})
		}
	}
}
