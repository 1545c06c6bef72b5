package load_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/cli/values"
	"helm.sh/helm/v4/pkg/getter"
	release "helm.sh/helm/v4/pkg/release/v1"
	"k8s.io/pod-security-admission/api"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/load"
	"github.com/palisade-dev/palisade/internal/scan"
)

var (
	charts   = filepath.Join("testdata", "charts")
	overlays = filepath.Join("testdata", "overlays")
)

type collect struct {
	files    []string
	findings []finding.Finding
	errs     []finding.Error
}

func (c *collect) File(name string, fs []finding.Finding, es []finding.Error) error {
	if len(fs) > 0 || len(es) > 0 {
		c.files = append(c.files, name)
	}
	c.findings = append(c.findings, fs...)
	c.errs = append(c.errs, es...)
	return nil
}

func newEngine(t testing.TB, checks ...string) *engine.Engine {
	lv := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}
	e, err := engine.New(engine.Options{Defaults: api.Policy{Enforce: lv}, Checks: checks})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func scanWith(t testing.TB, eng *engine.Engine, opts load.Options, args ...string) (*collect, scan.Stats) {
	t.Helper()
	c := &collect{}
	stats, err := scan.Run(context.Background(), eng, args, nil, scan.Options{Load: opts}, c)
	if err != nil {
		t.Fatal(err)
	}
	return c, stats
}

// short lists findings as "file:line check resource" with paths relative
// to base.
func short(base string, fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		rel, _ := filepath.Rel(base, f.File)
		out = append(out, fmt.Sprintf("%s:%d %s %s", filepath.ToSlash(rel), f.Line, f.Check, f.Resource))
	}
	return out
}

func TestChartValuesFlipFindings(t *testing.T) {
	eng := newEngine(t, "pss/*")
	app := filepath.Join(charts, "app")
	hostNet := "charts/sub/templates/daemonset.yaml:12 pss/hostNamespaces DaemonSet/release-name-agent"
	priv := "templates/deployment.yaml:29 pss/privileged Deployment/release-name-app"
	for _, c := range []struct {
		name string
		helm load.HelmOptions
		want []string
	}{
		{"chart values", load.HelmOptions{}, []string{hostNet}},
		{"values file turns privileged on", load.HelmOptions{Values: []string{filepath.Join(app, "values-privileged.yaml")}}, []string{hostNet, priv}},
		{"--set turns it off again", load.HelmOptions{Values: []string{filepath.Join(app, "values-privileged.yaml")}, Set: []string{"privileged=false"}}, []string{hostNet}},
		{"subchart value fixed", load.HelmOptions{Set: []string{"sub.hostNetwork=false"}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, stats := scanWith(t, eng, load.Options{Helm: c.helm}, app)
			if s := short(app, got.findings); !reflect.DeepEqual(s, c.want) || stats.Errors != 0 {
				t.Errorf("findings\n got %q\nwant %q\nerrors %v", s, c.want, got.errs)
			}
		})
	}
}

func TestOverlayPatchesFlipFindings(t *testing.T) {
	eng := newEngine(t, "pss/*")
	for _, c := range []struct {
		overlay string
		want    []string
	}{
		{"base", nil},
		// A patch makes the compliant base privileged.
		{"prod", []string{"base/deployment.yaml:23 pss/privileged prod/Deployment/prod-web"}},
		{"insecure-base", []string{"insecure-base/pod.yaml:14 pss/hostNamespaces Pod/debug"}},
		// A patch fixes the non-compliant base.
		{"fixed", nil},
	} {
		got, stats := scanWith(t, eng, load.Options{}, filepath.Join(overlays, c.overlay))
		if s := short(overlays, got.findings); !reflect.DeepEqual(s, c.want) || stats.Errors != 0 {
			t.Errorf("%s: findings\n got %q\nwant %q\nerrors %v", c.overlay, s, c.want, got.errs)
		}
	}
}

func TestExpandTree(t *testing.T) {
	names := func(ins []load.Input) []string {
		var out []string
		for _, in := range ins {
			rel, _ := filepath.Rel("testdata", in.Name)
			out = append(out, filepath.ToSlash(rel))
		}
		slices.Sort(out)
		return out
	}
	ins, errs := load.Expand([]string{"testdata"}, nil, load.Options{})
	want := []string{
		"charts/app/charts/sub/templates/daemonset.yaml",
		"charts/app/templates/deployment.yaml",
		"charts/app/templates/service.yaml",
		"overlays/base/deployment.yaml", // built alone, then through prod: joined
		"overlays/base/kustomization.yaml",
		"overlays/insecure-base/pod.yaml",
		"overlays/prod/namespace.yaml",
	}
	if got := names(ins); !reflect.DeepEqual(got, want) {
		t.Errorf("inputs\n got %q\nwant %q", got, want)
	}
	var errFiles []string
	for _, e := range errs {
		errFiles = append(errFiles, fmt.Sprintf("%s:%d", filepath.ToSlash(e.File), e.Line))
	}
	wantErrs := []string{
		"testdata/charts/fail/templates/pod.yaml:2",
		"testdata/charts/missingdep/Chart.yaml:5",
		"testdata/charts/required/templates/pod.yaml:8",
		"testdata/overlays/remote/kustomization.yaml:3",
	}
	if !reflect.DeepEqual(errFiles, wantErrs) {
		t.Errorf("errors\n got %q\nwant %q", errFiles, wantErrs)
	}
	for _, in := range ins {
		if strings.HasSuffix(in.Name, "base/deployment.yaml") {
			data, err := in.Read(load.DefaultMaxFileSize)
			if err != nil || strings.Count(string(data), "kind: Deployment") != 2 || !strings.Contains(string(data), "\n---\n") {
				t.Errorf("joined base output: %v\n%s", err, data)
			}
			if _, err := in.Read(100); err == nil || !strings.Contains(err.Error(), "rendered output is") {
				t.Errorf("rendered output over the limit: %v", err)
			}
		}
	}

	// --no-render reads the same folders as plain files.
	ins, errs = load.Expand([]string{filepath.Join(charts, "app"), filepath.Join(overlays, "prod")}, nil, load.Options{NoRender: true})
	want = []string{
		"charts/app/Chart.yaml",
		"charts/app/charts/common/Chart.yaml",
		"charts/app/charts/sub/Chart.yaml",
		"charts/app/charts/sub/templates/daemonset.yaml",
		"charts/app/charts/sub/values.yaml",
		"charts/app/templates/deployment.yaml",
		"charts/app/templates/disabled.yaml",
		"charts/app/templates/service.yaml",
		"charts/app/values-privileged.yaml",
		"charts/app/values.yaml",
		"overlays/prod/kustomization.yaml",
		"overlays/prod/namespace.yaml",
		"overlays/prod/privileged.yaml",
	}
	if got := names(ins); !reflect.DeepEqual(got, want) || errs != nil {
		t.Errorf("--no-render inputs\n got %q\nwant %q\nerrors %v", got, want, errs)
	}
}

func TestExpandArchivesAndComponents(t *testing.T) {
	dir := t.TempDir()
	ch, err := loader.Load(filepath.Join(charts, "app"))
	if err != nil {
		t.Fatal(err)
	}
	tgz, err := chartutil.Save(ch, dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"backup.tgz":                     "not a chart",
		"comp/kustomization.yaml":        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [cm.yaml]\n",
		"comp/cm.yaml":                   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-component}\n",
		"uses-comp/kustomization.yaml":   "components: [../comp]\n",
		"plain/deployment.yaml":          "kind: x\n",
		"plain/sub/Chart.yaml/inner.yml": "a folder named Chart.yaml is no chart\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ins, errs := load.Expand([]string{dir}, nil, load.Options{})
	var got []string
	for _, in := range ins {
		rel, _ := filepath.Rel(dir, in.Name)
		got = append(got, filepath.ToSlash(rel))
	}
	slices.Sort(got)
	// The unrelated archive is passed over; the Component is built only
	// through the overlay that lists it.
	want := []string{
		"app-0.1.0.tgz/app/charts/sub/templates/daemonset.yaml",
		"app-0.1.0.tgz/app/templates/deployment.yaml",
		"app-0.1.0.tgz/app/templates/service.yaml",
		"comp/cm.yaml",
		"plain/deployment.yaml",
		"plain/sub/Chart.yaml/inner.yml",
	}
	if !reflect.DeepEqual(got, want) || errs != nil {
		t.Errorf("inputs\n got %q\nwant %q\nerrors %v", got, want, errs)
	}
	if filepath.Base(tgz) != "app-0.1.0.tgz" {
		t.Errorf("archive %s", tgz)
	}
	// Named, an archive that is no chart is an error; a Component builds.
	ins, errs = load.Expand([]string{filepath.Join(dir, "backup.tgz"), filepath.Join(dir, "comp")}, nil, load.Options{})
	if len(ins) != 1 || len(errs) != 1 || !strings.Contains(errs[0].Message, "not a Helm chart archive") {
		t.Errorf("named: %d inputs, errors %v", len(ins), errs)
	}
	// Bad Helm flags are reported once, and no chart is rendered with them.
	ins, errs = load.Expand([]string{tgz, filepath.Join(charts, "app")}, nil, load.Options{Helm: load.HelmOptions{Values: []string{filepath.Join(dir, "none.yaml")}}})
	if len(ins) != 0 || len(errs) != 1 || errs[0].File != filepath.Join(dir, "none.yaml") {
		t.Errorf("bad --values: %d inputs, errors %v", len(ins), errs)
	}
}

// key is a finding without its place.
func keys(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s %s %s %v", f.Check, f.Severity, f.Resource, f.Path, f.Message, f.Suppressed))
	}
	slices.Sort(out)
	return out
}

// TestRenderedOutputEquivalence: scanning what `helm template` and
// `kustomize build` print gives the findings of scanning the chart or
// overlay; only the places (file, line) differ.
func TestRenderedOutputEquivalence(t *testing.T) {
	eng := newEngine(t)
	dir := t.TempDir()
	app := filepath.Join(charts, "app")
	check := func(t *testing.T, rendered string, opts load.Options, arg string) {
		t.Helper()
		out := filepath.Join(dir, "rendered.yaml")
		if err := os.WriteFile(out, []byte(rendered), 0o644); err != nil {
			t.Fatal(err)
		}
		want, wstats := scanWith(t, eng, load.Options{}, out)
		got, gstats := scanWith(t, eng, opts, arg)
		if len(want.findings) == 0 || wstats.Errors != 0 || gstats.Errors != 0 {
			t.Fatalf("%d findings, errors %v %v", len(want.findings), want.errs, got.errs)
		}
		if g, w := keys(got.findings), keys(want.findings); !reflect.DeepEqual(g, w) || gstats.Resources != wstats.Resources {
			t.Errorf("findings of %s differ from those of its rendered output (%d and %d resources):\n got %q\nwant %q", arg, gstats.Resources, wstats.Resources, g, w)
		}
	}
	for _, c := range []load.HelmOptions{
		{},
		{Values: []string{filepath.Join(app, "values-privileged.yaml")}},
		{Set: []string{"privileged=true,sub.hostNetwork=false"}, SetString: []string{"replicas=3"}},
		{ReleaseName: "shop", Namespace: "web", KubeVersion: "v1.30.0", APIVersions: []string{"example.com/v1"}},
	} {
		t.Run(fmt.Sprintf("helm %+v", c), func(t *testing.T) {
			check(t, helmTemplate(t, app, c), load.Options{Helm: c}, app)
		})
	}
	for _, o := range []string{"base", "prod", "insecure-base", "fixed"} {
		t.Run("kustomize "+o, func(t *testing.T) {
			m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(overlays, o))
			if err != nil {
				t.Fatal(err)
			}
			y, err := m.AsYaml()
			if err != nil {
				t.Fatal(err)
			}
			check(t, string(y), load.Options{}, filepath.Join(overlays, o))
		})
	}
}

// helmTemplate renders a chart as `helm template` does, with the SDK's
// install action in client-only dry-run and its own values merging.
func helmTemplate(t *testing.T, chartPath string, o load.HelmOptions) string {
	t.Helper()
	ch, err := loader.Load(chartPath)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := (&values.Options{ValueFiles: o.Values, Values: o.Set, StringValues: o.SetString}).MergeValues(getter.Providers{})
	if err != nil {
		t.Fatal(err)
	}
	inst := action.NewInstall(action.NewConfiguration())
	inst.DryRunStrategy = action.DryRunClient
	inst.Replace = true
	inst.ReleaseName = cmpOr(o.ReleaseName, "release-name")
	inst.Namespace = cmpOr(o.Namespace, "default")
	inst.APIVersions = common.VersionSet(o.APIVersions)
	if o.KubeVersion != "" {
		if inst.KubeVersion, err = common.ParseKubeVersion(o.KubeVersion); err != nil {
			t.Fatal(err)
		}
	}
	r, err := inst.RunWithContext(context.Background(), ch, vals)
	if err != nil {
		t.Fatal(err)
	}
	rel := r.(*release.Release)
	out := rel.Manifest
	for _, h := range rel.Hooks {
		out += "\n---\n" + h.Manifest
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
