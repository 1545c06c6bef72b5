package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/policy"
)

// resourceOf is the resource the API server names in a request for kind.
func resourceOf(apiVersion, kind string) metav1.GroupVersionResource {
	gv := strings.SplitN(apiVersion, "/", 2)
	if len(gv) == 1 {
		gv = []string{"", gv[0]}
	}
	res := strings.ToLower(kind) + "s"
	switch kind {
	case "Ingress":
		res = "ingresses"
	case "NetworkPolicy":
		res = "networkpolicies"
	case "StorageClass":
		res = "storageclasses"
	}
	return metav1.GroupVersionResource{Group: gv[0], Version: gv[1], Resource: res}
}

// TestExtrasMatchScan: for every object of the repository's manifests
// (every check's pass and fail fixtures, examples/, deploy/, the benchmark
// objects, the samples of the example policies, which are loaded), the
// webhook's extras (decoded once, typed, through
// engine.EvaluateExtras) are exactly the findings `palisade scan` reports
// (engine.EvaluateObject) minus Pod Security, which upstream's admission
// judges. This guards the webhook's fast path against drifting from the
// engine's.
func TestExtrasMatchScan(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../checks/testdata/*/*/*.yaml", "../checks/testdata/*/*/*/*.yaml", "../../examples/*", "../../deploy/*.yaml", "../../deploy/*/*.yaml",
		"../../bench/webhook-testdata/*.yaml", "../../policies/examples/*/samples/*.yaml", "../../policies/examples/*/*/samples/*.yaml"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("found only %d manifest files", len(files))
	}
	params := config.CheckParams{TrustedRegistries: []string{"registry.example.com/*"}}
	policies, err := policy.Load(context.Background(), policy.Options{Paths: []string{"../../policies/examples"}})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{Params: params, Policies: policies})
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, setup{checks: []string{}})
	srv.engine, srv.extras = eng, eng
	inv := inventory.New()
	key := func(f finding.Finding) string {
		return fmt.Sprintf("%s %s %q suppressed=%v severity=%v", f.Check, f.Path, f.Message, f.Suppressed, f.Severity)
	}
	compared, withFindings, fromPolicies := 0, 0, 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		objs, _ := manifest.Decode(file, data)
		for i, o := range objs {
			var want []string
			fs, _ := eng.EvaluateObject(o, inv)
			for _, f := range fs {
				if f.Standard != finding.StandardPodSecurity {
					want = append(want, key(f))
				}
				if f.Standard == finding.StandardPolicy {
					fromPolicies++
				}
			}
			raw, err := json.Marshal(o.Content)
			if err != nil {
				t.Fatal(err)
			}
			req := &admissionv1.AdmissionRequest{
				UID: "x", Kind: metav1.GroupVersionKind{Group: resourceOf(o.APIVersion, o.Kind).Group, Version: resourceOf(o.APIVersion, o.Kind).Version, Kind: o.Kind},
				Resource: resourceOf(o.APIVersion, o.Kind), Name: o.Name, Namespace: o.Namespace,
				Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw},
			}
			d := srv.decode(req)
			var got []string
			gotFs, errText := srv.extrasOf(context.Background(), d, d.obj, false)
			for _, f := range gotFs {
				got = append(got, key(f))
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) || len(d.errs) > 0 || errText != "" {
				t.Errorf("%s #%d (%s %s):\nwebhook %q (errors %v %q)\nscan    %q", file, i, o.Kind, o.Name, got, d.errs, errText, want)
			}
			compared++
			if len(want) > 0 {
				withFindings++
			}
		}
	}
	t.Logf("%d objects from %d files agree, %d of them with findings, %d from policies", compared, len(files), withFindings, fromPolicies)
	if withFindings < 20 || fromPolicies < 3 {
		t.Errorf("only %d objects had findings, %d from policies: the comparison proves little", withFindings, fromPolicies)
	}
}
