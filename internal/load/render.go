package load

import (
	"context"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/load/helm"
	"github.com/palisade-dev/palisade/internal/load/kustomize"
)

// renderer collects the rendered inputs of one Expand. Two renderings of
// the same source file (a base built on its own and through an overlay)
// share one input: their outputs are joined, in the order rendered.
type renderer struct {
	opts  Options
	helm  *helm.Renderer
	bad   bool // the Helm options were reported as errors
	ins   []Input
	index map[string]int
	errs  []finding.Error
}

func (r *renderer) add(name string, data []byte) {
	if r.index == nil {
		r.index = map[string]int{}
	}
	i, ok := r.index[name]
	if !ok {
		r.index[name] = len(r.ins)
		r.ins = append(r.ins, Input{Name: name, data: data, mem: true})
		return
	}
	prev := r.ins[i].data
	joined := make([]byte, 0, len(prev)+len(data)+5)
	joined = append(joined, prev...)
	if len(prev) > 0 && prev[len(prev)-1] != '\n' {
		joined = append(joined, '\n')
	}
	joined = append(joined, "---\n"...)
	r.ins[i].data = append(joined, data...)
}

// folder renders p when it is a chart or an overlay, and reports whether
// it was one (its subfolders are then not walked). A Component is built
// only through the overlays that list it, unless named on its own.
func (r *renderer) folder(p string, named bool) bool {
	if helm.IsChartDir(p) {
		r.chart(p, true)
		return true
	}
	if kustomize.KustomizationFile(p) == "" {
		return false
	}
	if !named && kustomize.IsComponent(p) {
		return true
	}
	out, err := kustomize.Build(p)
	if err != nil {
		r.errs = append(r.errs, *err)
		return true
	}
	for _, o := range out {
		r.add(o.Name, o.Data)
	}
	return true
}

// chart renders a chart folder or archive. An archive met in a walk that
// holds no chart is passed over; named, it is an error.
func (r *renderer) chart(p string, named bool) {
	if r.helm == nil && !r.bad {
		h, errs := helm.New(r.opts.Helm)
		r.helm, r.bad = h, errs != nil
		r.errs = append(r.errs, errs...)
	}
	if r.bad {
		return
	}
	out, err := r.helm.Render(context.Background(), p)
	if err != nil {
		if !named && strings.Contains(err.Message, helm.ErrNotChart.Error()) {
			return
		}
		r.errs = append(r.errs, *err)
		return
	}
	for _, o := range out {
		r.add(o.Name, o.Data)
	}
}
