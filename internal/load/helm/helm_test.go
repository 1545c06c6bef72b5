package helm

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"

	"github.com/palisade-dev/palisade/internal/finding"
)

const charts = "../testdata/charts"

func render(t *testing.T, opts Options, p string) ([]Rendered, *finding.Error) {
	t.Helper()
	r, errs := New(opts)
	if errs != nil {
		t.Fatalf("New(%+v): %v", opts, errs)
	}
	return r.Render(context.Background(), p)
}

func names(rs []Rendered) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

func find(t *testing.T, rs []Rendered, name string) string {
	t.Helper()
	for _, r := range rs {
		if r.Name == name {
			return string(r.Data)
		}
	}
	t.Fatalf("no %s in %q", name, names(rs))
	return ""
}

func TestRenderChart(t *testing.T) {
	app := filepath.Join(charts, "app")
	out, err := render(t, Options{}, app)
	if err != nil {
		t.Fatal(err)
	}
	// The subchart is rendered, the library chart only lends its helpers;
	// partials, NOTES.txt and a template rendering to nothing are left out.
	want := []string{
		filepath.Join(app, "charts/sub/templates/daemonset.yaml"),
		filepath.Join(app, "templates/deployment.yaml"),
		filepath.Join(app, "templates/service.yaml"),
	}
	if got := names(out); !reflect.DeepEqual(got, want) {
		t.Fatalf("rendered %q, want %q", got, want)
	}
	dep := find(t, out, want[1])
	for _, s := range []string{"name: release-name-app\n", "app.kubernetes.io/name: app\n", "replicas: 2\n"} {
		if !strings.Contains(dep, s) {
			t.Errorf("deployment lacks %q:\n%s", s, dep)
		}
	}
	if strings.Contains(dep, "privileged") {
		t.Errorf("privileged rendered with the chart's values:\n%s", dep)
	}
	if ds := find(t, out, want[0]); !strings.Contains(ds, "hostNetwork: true\n") {
		t.Errorf("subchart values not applied:\n%s", ds)
	}

	// A library chart on its own renders nothing, and is no error.
	if out, err := render(t, Options{}, filepath.Join(app, "charts/common")); out != nil || err != nil {
		t.Errorf("library chart: %q, %v", names(out), err)
	}
}

func TestRenderValues(t *testing.T) {
	app := filepath.Join(charts, "app")
	dep := filepath.Join(app, "templates/deployment.yaml")
	ds := filepath.Join(app, "charts/sub/templates/daemonset.yaml")
	for _, c := range []struct {
		name       string
		opts       Options
		privileged bool
		contains   []string
	}{
		{"values file", Options{Values: []string{filepath.Join(app, "values-privileged.yaml")}}, true, nil},
		{"set wins over the file", Options{Values: []string{filepath.Join(app, "values-privileged.yaml")}, Set: []string{"privileged=false"}}, false, nil},
		{"set", Options{Set: []string{"privileged=true,replicas=5"}}, true, []string{"replicas: 5\n"}},
		{"set-string", Options{SetString: []string{"image=1234"}}, false, []string{"image: 1234\n"}},
		{"release", Options{ReleaseName: "shop", Namespace: "web"}, false, []string{"name: shop-app\n"}},
		{"subchart values", Options{Set: []string{"sub.hostNetwork=false"}}, false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := render(t, c.opts, app)
			if err != nil {
				t.Fatal(err)
			}
			got := find(t, out, dep)
			if strings.Contains(got, "privileged: true") != c.privileged {
				t.Errorf("privileged: want %v:\n%s", c.privileged, got)
			}
			for _, s := range c.contains {
				if !strings.Contains(got, s) {
					t.Errorf("lacks %q:\n%s", s, got)
				}
			}
			if c.name == "subchart values" && !strings.Contains(find(t, out, ds), "hostNetwork: false") {
				t.Errorf("--set sub.hostNetwork=false not applied")
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		opts  Options
		chart string
		want  finding.Error
	}{
		{"required", Options{}, "required",
			finding.Error{File: "required/templates/pod.yaml", Line: 8, Message: "helm template: image.tag is required"}},
		{"required met", Options{Set: []string{"image.tag=1"}}, "required", finding.Error{}},
		{"fail", Options{}, "fail",
			finding.Error{File: "fail/templates/pod.yaml", Line: 2, Message: "helm template: mode insecure is not supported"}},
		{"fail avoided", Options{Set: []string{"mode=secure"}}, "fail", finding.Error{}},
		{"dependency not vendored", Options{}, "missingdep",
			finding.Error{File: "missingdep/Chart.yaml", Line: 5, Message: `helm: chart "missingdep" declares dependency "redis" (oci://registry.example/charts 19.0.0) but charts/ does not hold it; vendor it with ` + "`helm dependency build`" + ` (palisade does not download at scan time)`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := render(t, c.opts, filepath.Join(charts, c.chart))
			var got finding.Error
			if err != nil {
				got = *err
				got.File, _ = filepath.Rel(charts, got.File)
				got.File = filepath.ToSlash(got.File)
			}
			if got != c.want {
				t.Errorf("error\n got %+v\nwant %+v", got, c.want)
			}
		})
	}

	// A template error in a partial names the partial, not the includer.
	dir := t.TempDir()
	writeChart(t, dir, "c", map[string]string{
		"templates/_h.tpl": "{{- define \"x\" -}}\n{{ index .Values.list 5 }}\n{{- end -}}\n",
		"templates/a.yaml": "a: {{ include \"x\" . }}\n",
	})
	_, err := render(t, Options{}, filepath.Join(dir, "c"))
	if err == nil || err.File != filepath.Join(dir, "c/templates/_h.tpl") || err.Line != 2 ||
		err.Message != `helm template: executing "x" at <index .Values.list 5>: error calling index: index of untyped nil` {
		t.Errorf("error in a partial: %+v", err)
	}
	writeChart(t, dir, "p", map[string]string{"templates/a.yaml": "a: {{ .Values.x | nosuchfunc }}\n"})
	_, err = render(t, Options{}, filepath.Join(dir, "p"))
	if err == nil || err.File != filepath.Join(dir, "p/templates/a.yaml") || err.Line != 1 ||
		err.Message != `helm template: parse error: function "nosuchfunc" not defined` {
		t.Errorf("parse error: %+v", err)
	}
	writeChart(t, dir, "k", map[string]string{"Chart.yaml": "apiVersion: v2\nname: k\nversion: 0.1.0\nkubeVersion: '>=1.40.0'\n"})
	_, err = render(t, Options{KubeVersion: "v1.33.0"}, filepath.Join(dir, "k"))
	if err == nil || err.File != filepath.Join(dir, "k/Chart.yaml") || !strings.Contains(err.Message, "requires kubeVersion >=1.40.0, incompatible with Kubernetes v1.33.0") {
		t.Errorf("kubeVersion: %+v", err)
	}
	if out, err := render(t, Options{KubeVersion: "1.41"}, filepath.Join(dir, "k")); err != nil || out != nil {
		t.Errorf("compatible kubeVersion: %q, %+v", names(out), err)
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("a: 1\nb: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.yaml")
	_, errs := New(Options{
		Values:      []string{missing, bad},
		Set:         []string{"novalue"},
		KubeVersion: "one",
	})
	want := []string{
		missing + ": --values: no such file or directory",
		bad + ":2: --values: ",
		"--set: \"novalue\": ",
		"--kube-version: \"one\": ",
	}
	if len(errs) != len(want) {
		t.Fatalf("errors %v, want %d", errs, len(want))
	}
	for i, e := range errs {
		if !strings.HasPrefix(e.Error(), want[i]) {
			t.Errorf("error %d = %q, want %q...", i, e.Error(), want[i])
		}
	}
}

func TestRenderArchive(t *testing.T) {
	dir := t.TempDir()
	ch, err := loader.Load(filepath.Join(charts, "app"))
	if err != nil {
		t.Fatal(err)
	}
	tgz, err := chartutil.Save(ch, dir)
	if err != nil {
		t.Fatal(err)
	}
	out, rerr := render(t, Options{Set: []string{"privileged=true"}}, tgz)
	if rerr != nil {
		t.Fatal(rerr)
	}
	want := []string{tgz + "/app/charts/sub/templates/daemonset.yaml", tgz + "/app/templates/deployment.yaml", tgz + "/app/templates/service.yaml"}
	if got := names(out); !reflect.DeepEqual(got, want) {
		t.Fatalf("rendered %q, want %q", got, want)
	}
	if !strings.Contains(find(t, out, want[1]), "privileged: true") {
		t.Error("--set not applied to the archive")
	}
	// The same bytes as the folder.
	folder, _ := render(t, Options{Set: []string{"privileged=true"}}, filepath.Join(charts, "app"))
	for i := range folder {
		if !bytes.Equal(folder[i].Data, out[i].Data) {
			t.Errorf("%s differs from %s", out[i].Name, folder[i].Name)
		}
	}

	notChart := filepath.Join(dir, "backup.tgz")
	if err := os.WriteFile(notChart, []byte("not gzip"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := render(t, Options{}, notChart); err == nil || !strings.Contains(err.Message, ErrNotChart.Error()) {
		t.Errorf("not a chart: %+v", err)
	}
}

// writeChart writes a chart named name under dir; files default to a
// minimal Chart.yaml.
func writeChart(t *testing.T, dir, name string, files map[string]string) {
	t.Helper()
	if _, ok := files["Chart.yaml"]; !ok {
		files["Chart.yaml"] = "apiVersion: v2\nname: " + name + "\nversion: 0.1.0\n"
	}
	for f, content := range files {
		p := filepath.Join(dir, name, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
