// Package helm renders a Helm chart (a folder with Chart.yaml, or a packaged
// .tgz) offline, as `helm template` would, into one document per template
// file, named by that file.
//
// Helm v4 (helm.sh/helm/v4) is used: v3 is in maintenance (bug fixes end in
// 2026), v4 renders the same apiVersion v1/v2 charts with the same engine,
// and both need the same k8s.io v0.37 modules. Only the SDK's chart loader,
// values coalescing, dependency processing and template engine are used:
// nothing reaches a cluster, a repository or the network.
package helm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v4/pkg/chart/common"
	commonutil "helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/strvals"

	"github.com/palisade-dev/palisade/internal/finding"
)

// Options are the `helm template` flags palisade understands.
type Options struct {
	// Values are values files (--values), merged in order.
	Values []string
	// Set and SetString are --set and --set-string, applied after the files.
	Set, SetString []string
	// KubeVersion is .Capabilities.KubeVersion (default: the SDK's).
	KubeVersion string
	// APIVersions are added to .Capabilities.APIVersions.
	APIVersions []string
	// ReleaseName and Namespace fill .Release (default "release-name" and
	// "default", as `helm template`).
	ReleaseName, Namespace string
}

// Rendered is the output of one template file.
type Rendered struct {
	// Name is the template's path joined to the chart's path as given: a
	// folder's `mychart/templates/deployment.yaml`,
	// `mychart/charts/sub/templates/x.yaml` for a subchart, or
	// `dist/mychart-1.0.0.tgz/mychart/templates/deployment.yaml` inside an
	// archive.
	Name string
	Data []byte
}

// Renderer renders charts with one set of options. Values files and flags
// are read once, by New.
type Renderer struct {
	vals    map[string]any
	caps    *common.Capabilities
	release common.ReleaseOptions
}

// New reads the values files and checks the flags. A bad one is an error
// naming the file (with its line where known) or the flag.
func New(opts Options) (*Renderer, []finding.Error) {
	var errs []finding.Error
	vals := map[string]any{}
	for _, f := range opts.Values {
		data, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, finding.Error{File: f, Message: "--values: " + describe(err)})
			continue
		}
		m, err := loader.LoadValues(bytes.NewReader(data))
		if err != nil {
			errs = append(errs, finding.Error{File: f, Line: yamlLine(err), Message: "--values: " + err.Error()})
			continue
		}
		vals = loader.MergeMaps(vals, m)
	}
	for _, s := range opts.Set {
		if err := strvals.ParseInto(s, vals); err != nil {
			errs = append(errs, finding.Error{File: "--set", Message: fmt.Sprintf("%q: %v", s, err)})
		}
	}
	for _, s := range opts.SetString {
		if err := strvals.ParseIntoString(s, vals); err != nil {
			errs = append(errs, finding.Error{File: "--set-string", Message: fmt.Sprintf("%q: %v", s, err)})
		}
	}
	caps := common.DefaultCapabilities.Copy()
	if opts.KubeVersion != "" {
		kv, err := common.ParseKubeVersion(opts.KubeVersion)
		if err != nil {
			errs = append(errs, finding.Error{File: "--kube-version", Message: fmt.Sprintf("%q: %v", opts.KubeVersion, err)})
		} else {
			caps.KubeVersion = *kv
		}
	}
	caps.APIVersions = append(caps.APIVersions, opts.APIVersions...)
	r := &Renderer{vals: vals, caps: caps, release: common.ReleaseOptions{
		Name:      cmpOr(opts.ReleaseName, "release-name"),
		Namespace: cmpOr(opts.Namespace, "default"),
		Revision:  1,
		IsInstall: true,
	}}
	if errs != nil {
		return nil, errs
	}
	return r, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// IsChartDir reports whether dir holds a Chart.yaml.
func IsChartDir(dir string) bool {
	info, err := os.Stat(filepath.Join(dir, "Chart.yaml"))
	return err == nil && info.Mode().IsRegular()
}

// IsArchive reports whether name looks like a packaged chart.
func IsArchive(name string) bool { return strings.EqualFold(filepath.Ext(name), ".tgz") }

// ErrNotChart is returned (wrapped) by Render for an archive that holds no
// chart, so a folder walk can pass over unrelated .tgz files.
var ErrNotChart = errors.New("not a Helm chart archive")

// Render renders the chart at p (a folder or a .tgz), as named by the user,
// into one Rendered per template with output, in template order. Partials
// (`_*.tpl`), NOTES.txt and templates rendering to whitespace are left out;
// CRDs of crds/ are included as they are, since install applies them. A
// library chart renders nothing. A failure is one error, located at the
// template file and line Helm names, or at the chart.
func (r *Renderer) Render(ctx context.Context, p string) ([]Rendered, *finding.Error) {
	ch, err := loader.Load(p)
	if err != nil {
		msg := err.Error()
		if IsArchive(p) && (strings.Contains(msg, "no Chart.yaml") || strings.Contains(msg, "Chart.yaml file is missing") || strings.Contains(msg, "does not appear to be a")) {
			return nil, &finding.Error{File: p, Message: fmt.Errorf("%w: %v", ErrNotChart, err).Error()}
		}
		return nil, &finding.Error{File: p, Message: "helm: loading the chart: " + msg}
	}
	names := namer{root: p, chart: ch.Name(), archive: !isDir(p)}
	if ch.Metadata.Type == "library" {
		return nil, nil
	}
	if e := missingDependencies(ch, names, ""); e != nil {
		return nil, e
	}
	if kv := ch.Metadata.KubeVersion; kv != "" && !chartutil.IsCompatibleRange(kv, r.caps.KubeVersion.String()) {
		return nil, &finding.Error{File: names.file("Chart.yaml"), Message: fmt.Sprintf("helm: chart requires kubeVersion %s, incompatible with Kubernetes %s (--kube-version)", kv, r.caps.KubeVersion.Version)}
	}
	vals := copyValues(r.vals)
	if err := chartutil.ProcessDependencies(ch, vals); err != nil {
		return nil, &finding.Error{File: names.file("Chart.yaml"), Message: "helm: processing dependencies: " + err.Error()}
	}
	top, err := commonutil.ToRenderValues(ch, vals, r.release, r.caps)
	if err != nil {
		return nil, &finding.Error{File: p, Message: "helm: " + oneLine(err.Error())}
	}
	var e engine.Engine
	files, err := e.RenderWithContext(ctx, ch, top)
	if err != nil {
		return nil, names.renderError(err)
	}
	var out []Rendered
	for _, key := range sortedKeys(files) {
		if strings.HasSuffix(key, "/templates/NOTES.txt") || strings.TrimSpace(files[key]) == "" {
			continue
		}
		out = append(out, Rendered{Name: names.template(key), Data: []byte(files[key])})
	}
	for _, crd := range ch.CRDObjects() {
		out = append(out, Rendered{Name: names.template(filepath.ToSlash(crd.Filename)), Data: crd.File.Data})
	}
	return out, nil
}

func isDir(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}

// copyValues deep-copies the flag values, which dependency processing and
// coalescing may modify, so one chart cannot leak into the next.
func copyValues(v map[string]any) common.Values {
	out := make(map[string]any, len(v))
	for k, x := range v {
		out[k] = copyValue(x)
	}
	return out
}

func copyValue(x any) any {
	switch x := x.(type) {
	case map[string]any:
		return map[string]any(copyValues(x))
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = copyValue(x[i])
		}
		return out
	}
	return x
}

// sortedKeys orders templates as the chart's files: by path.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// namer turns Helm's template keys ("<chart>/templates/x.yaml") into the
// names of the chart's files as the user named the chart.
type namer struct {
	root, chart string
	archive     bool
}

func (n namer) template(key string) string {
	if n.archive {
		return filepath.Join(n.root, filepath.FromSlash(key)) // the archive holds <chart>/...
	}
	_, rest, _ := strings.Cut(key, "/")
	return filepath.Join(n.root, filepath.FromSlash(rest))
}

// file names a file of the top chart.
func (n namer) file(rel string) string { return n.template(n.chart + "/" + rel) }

// location matches a template location in Helm's errors:
// "mychart/templates/x.yaml:12:20" or "(mychart/templates/x.yaml:3)".
var location = regexp.MustCompile(`([^\s():"<>]+):(\d+)(?::\d+)?`)

// renderError places a template error at the innermost template location
// Helm names (the partial where an `index` fails, not the template that
// included it), and keeps Helm's words from there on.
func (n namer) renderError(err error) *finding.Error {
	msg := err.Error()
	e := &finding.Error{File: n.root}
	rest := msg
	for _, m := range location.FindAllStringSubmatchIndex(msg, -1) {
		key := msg[m[2]:m[3]]
		if strings.HasPrefix(key, n.chart+"/") {
			e.File = n.template(key)
			e.Line, _ = strconv.Atoi(msg[m[4]:m[5]])
			rest = strings.TrimLeft(msg[m[1]:], "): \n\t")
		}
	}
	kind := "helm template: "
	if strings.HasPrefix(msg, "parse error") {
		kind = "helm template: parse error: "
	}
	e.Message = kind + oneLine(rest)
	return e
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// missingDependencies refuses a chart (or subchart, at any depth) that
// declares a dependency not vendored in its charts/ folder: rendering
// without it would scan less than `helm install` deploys, and palisade never
// downloads at scan time.
func missingDependencies(ch *chart.Chart, n namer, prefix string) *finding.Error {
	for _, dep := range ch.Metadata.Dependencies {
		found := false
		for _, sub := range ch.Dependencies() {
			found = found || sub.Name() == dep.Name
		}
		if found {
			continue
		}
		file := n.file(path.Join(prefix, "Chart.yaml"))
		return &finding.Error{
			File: file,
			Line: dependencyLine(ch, dep.Name),
			Message: fmt.Sprintf("helm: chart %q declares dependency %q (%s %s) but charts/ does not hold it; "+
				"vendor it with `helm dependency build` (palisade does not download at scan time)",
				ch.Name(), dep.Name, dep.Repository, dep.Version),
		}
	}
	for _, sub := range ch.Dependencies() {
		if e := missingDependencies(sub, n, path.Join(prefix, "charts", sub.Name())); e != nil {
			return e
		}
	}
	return nil
}

// dependencyLine finds the line of `- name: dep` in the chart's Chart.yaml.
func dependencyLine(ch *chart.Chart, dep string) int {
	for _, f := range ch.Raw {
		if f.Name != "Chart.yaml" {
			continue
		}
		var doc struct {
			Dependencies []struct {
				Name yaml.Node `yaml:"name"`
			} `yaml:"dependencies"`
		}
		if yaml.Unmarshal(f.Data, &doc) != nil {
			return 0
		}
		for _, d := range doc.Dependencies {
			if d.Name.Value == dep {
				return d.Name.Line
			}
		}
	}
	return 0
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func yamlLine(err error) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

func describe(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err.Error()
}
