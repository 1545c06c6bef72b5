package checks

import (
	"testing"

	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/workload"
)

// found is a violation with the line it resolves to and the object it is on.
type found struct {
	Kind, Name string
	Path       string
	Line       int
	Message    string
}

// run decodes doc (inline YAML, any number of documents) through the real
// decoder, learns the whole input into an inventory as the scan's first
// pass does, then runs the check with the given ID on every object it
// applies to, as the engine does.
func run(t *testing.T, id string, params config.CheckParams, doc string) []found {
	t.Helper()
	objs, errs := manifest.Decode("test.yaml", []byte(doc))
	if len(errs) > 0 {
		t.Fatalf("decode: %v", errs)
	}
	var c *Check
	for _, ch := range All() {
		if ch.ID == id {
			c = &ch
			break
		}
	}
	if c == nil {
		t.Fatalf("no check %q in All()", id)
	}
	inv := inventory.New()
	learnable := map[string]bool{}
	for _, k := range inventory.LearnKinds {
		learnable[k] = true
	}
	for _, o := range objs {
		if learnable[o.Kind] {
			inv.Learn(o)
		}
	}
	if inv.WantsWorkloads() {
		for _, o := range objs {
			if workload.IsWorkloadKind(o.APIVersion, o.Kind) {
				inv.Learn(o)
			}
		}
	}
	ctx := &Context{Inventory: inv, Params: &params}
	var out []found
	for _, o := range objs {
		w, _, err := workload.Extract(o)
		if err != nil {
			t.Fatalf("%s %s: %v", o.Kind, o.Name, err)
		}
		obj := &Object{Object: o, Workload: w}
		if !c.Applies(obj) {
			continue
		}
		for _, v := range c.Run(ctx, obj) {
			out = append(out, found{Kind: o.Kind, Name: o.Name, Path: v.Path, Line: o.Line(v.Path), Message: v.Message})
		}
	}
	return out
}
