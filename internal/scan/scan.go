// Package scan runs the engine over files: expand the arguments, learn the
// namespaces, then decode, evaluate and release each input in parallel,
// handing each input's findings to a sink in sorted order as soon as every
// earlier input is done. Memory stays bounded by the inputs in flight, not
// by the size of the whole scan.
package scan

import (
	"cmp"
	"context"
	"io"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/load"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/workload"
)

// Options bound a scan.
type Options struct {
	MaxFileSize int64
	// Workers bounds parallelism; 0 means GOMAXPROCS.
	Workers int
	Limits  manifest.Limits
	// Load renders charts and overlays (its MaxFileSize is MaxFileSize's).
	Load load.Options
	// Keep, when set, sees in the first pass, before anything is evaluated,
	// every object whose kind KeepKind accepts (every kind when KeepKind is
	// nil): custom policies that read the whole input (Gatekeeper's
	// data.inventory) collect it here.
	Keep     func(*manifest.Object)
	KeepKind func(kind string) bool
}

// Sink receives each input's sorted findings and errors, in input order.
type Sink interface {
	File(name string, findings []finding.Finding, errs []finding.Error) error
}

// Stats is what the exit code needs once the findings are gone.
type Stats struct {
	Resources int
	Errors    int
	// Worst is the highest severity of an unsuppressed finding.
	Worst finding.Severity
}

// unit is one entry of the output: an input to scan, or a path that could
// not even be expanded (errors only).
type unit struct {
	name  string
	input *load.Input
	errs  []finding.Error
}

type result struct {
	findings []finding.Finding
	errs     []finding.Error
}

var (
	learnKinds    = setOf(inventory.LearnKinds)
	workloadKinds = setOf(workload.Kinds())
	podMetaPaths  = func() map[string][]string {
		m := map[string][]string{}
		for _, k := range workload.Kinds() {
			meta, _ := workload.Prefixes(k)
			m[k] = strings.Split(meta, ".")
		}
		return m
	}()
)

// podMetaPath is the path of a workload kind's pod metadata, as keys.
func podMetaPath(kind string) []string { return podMetaPaths[kind] }

func setOf(ks []string) map[string]bool {
	m := map[string]bool{}
	for _, k := range ks {
		m[k] = true
	}
	return m
}

// Run scans args, feeding sink in sorted file order.
func Run(ctx context.Context, eng *engine.Engine, args []string, stdin io.Reader, opts Options, sink Sink) (Stats, error) {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = load.DefaultMaxFileSize
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	inputs, expandErrs := load.Expand(args, stdin, load.Options{MaxFileSize: opts.MaxFileSize, Helm: opts.Load.Helm, NoRender: opts.Load.NoRender})
	units := sortedUnits(inputs, expandErrs)
	inv := inventory.New()

	// Pass 1: a workload's level depends on its Namespace, and
	// cross-resource checks on NetworkPolicies, quotas and RBAC that may
	// come later in the input, so those kinds are learnt first. Only
	// documents of those kinds are parsed here; the rest are only read.
	keeps := func(kind string) bool { return opts.Keep != nil && (opts.KeepKind == nil || opts.KeepKind(kind)) }
	// podMeta, when set, has workloads skimmed for their namespace and
	// pod labels instead of decoded (manifest.SkimKinds).
	learn := func(kinds map[string]bool, keep func(kind string) bool, podMeta func(kind string) []string) {
		parallel(ctx, len(units), opts.Workers, func(i int) {
			if units[i].input == nil {
				return
			}
			data, err := units[i].input.Read(opts.MaxFileSize)
			if err != nil {
				return
			}
			skims, objs := manifest.SkimKinds(units[i].name, data, opts.Limits, func(k string) bool { return kinds[k] || keep(k) }, podMeta)
			for _, s := range skims {
				inv.LearnWorkload(s)
			}
			for _, o := range objs {
				if kinds[o.Kind] {
					inv.Learn(o)
				}
				if keep(o.Kind) {
					opts.Keep(o)
				}
				o.ReleasePositions()
			}
		})
	}
	learn(learnKinds, keeps, nil)
	// Which workloads each namespace runs matters only to checks on Namespaces
	// and NetworkPolicies, so workloads are learnt only when some exist; of
	// a workload only its namespace and pod labels are needed, which a line
	// skim reads at a fraction of a full decode's cost.
	if inv.WantsWorkloads() {
		learn(workloadKinds, func(string) bool { return false }, podMetaPath)
	}
	nsErrs := map[string][]finding.Error{}
	for _, ns := range inv.Namespaces() {
		_, errs := inv.EnforcePolicy(ns, eng.Defaults())
		for _, e := range errs {
			nsErrs[e.File] = append(nsErrs[e.File], e)
		}
	}

	// Pass 2: workers evaluate ahead of the writer by at most `window`
	// inputs, so a slow sink bounds memory instead of growing it.
	var (
		stats  Stats
		window = make(chan struct{}, opts.Workers*4)
		done   = make([]chan result, len(units))
	)
	for i := range done {
		done[i] = make(chan result, 1)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		g := errgroup.Group{}
		g.SetLimit(opts.Workers)
		for i := range units {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			g.Go(func() error {
				done[i] <- evaluate(eng, inv, units[i], opts)
				return nil
			})
		}
		_ = g.Wait()
	}()
	var sinkErr error
	for i, u := range units {
		var r result
		select {
		case r = <-done[i]:
		case <-ctx.Done():
			return stats, ctx.Err()
		}
		<-window
		r.errs = append(r.errs, nsErrs[u.name]...)
		finding.Sort(r.findings)
		finding.SortErrors(r.errs)
		stats.Errors += len(r.errs)
		for _, f := range r.findings {
			if !f.Suppressed && f.Severity > stats.Worst {
				stats.Worst = f.Severity
			}
		}
		if sinkErr == nil {
			sinkErr = sink.File(u.name, r.findings, r.errs)
		}
	}
	stats.Resources = inv.Resources()
	return stats, sinkErr
}

func evaluate(eng *engine.Engine, inv *inventory.Inventory, u unit, opts Options) result {
	r := result{errs: u.errs}
	if u.input == nil {
		return r
	}
	data, err := u.input.Read(opts.MaxFileSize)
	if err != nil {
		r.errs = append(r.errs, finding.Error{File: u.name, Message: err.Error()})
		return r
	}
	objs, derrs := manifest.DecodeWithLimits(u.name, data, opts.Limits)
	r.errs = append(r.errs, derrs...)
	for _, o := range objs {
		fs, ferr := eng.EvaluateObject(o, inv)
		r.findings = append(r.findings, fs...)
		if ferr != nil {
			r.errs = append(r.errs, *ferr)
		}
		o.Release()
		inv.Count()
	}
	return r
}

// sortedUnits orders inputs and expansion errors by name, so the output is
// sorted by file whatever the argument order; a file named twice is
// scanned once.
func sortedUnits(inputs []load.Input, errs []finding.Error) []unit {
	byName := map[string]*unit{}
	var units []*unit
	get := func(name string) *unit {
		if u, ok := byName[name]; ok {
			return u
		}
		u := &unit{name: name}
		byName[name] = u
		units = append(units, u)
		return u
	}
	for i := range inputs {
		get(inputs[i].Name).input = &inputs[i]
	}
	for _, e := range errs {
		u := get(e.File)
		u.errs = append(u.errs, e)
	}
	slices.SortFunc(units, func(a, b *unit) int { return cmp.Compare(a.name, b.name) })
	out := make([]unit, len(units))
	for i, u := range units {
		out[i] = *u
	}
	return out
}

func parallel(ctx context.Context, n, workers int, fn func(i int)) {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := 0; i < n && ctx.Err() == nil; i++ {
		g.Go(func() error { fn(i); return nil })
	}
	_ = g.Wait()
}
