// Package scan runs the engine over files: expand the arguments, learn the
// namespaces, then decode, evaluate and release each input in parallel.
package scan

import (
	"bytes"
	"context"
	"io"
	"runtime"

	"golang.org/x/sync/errgroup"

	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/load"
	"github.com/palisade-dev/palisade/internal/manifest"
)

// Options bound a scan.
type Options struct {
	MaxFileSize int64
	// Workers bounds parallelism; 0 means GOMAXPROCS.
	Workers int
	Limits  manifest.Limits
}

type result struct {
	findings  []finding.Finding
	errs      []finding.Error
	resources int
}

// psaMarker is in every input that can carry Pod Security namespace labels.
var psaMarker = []byte("pod-security.kubernetes.io/")

// Run scans args and returns the sorted report. Inputs that cannot be read
// or parsed are in Report.Errors; the rest is still scanned.
func Run(ctx context.Context, eng *engine.Engine, args []string, stdin io.Reader, opts Options) *finding.Report {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = load.DefaultMaxFileSize
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	inputs, errs := load.Expand(args, stdin, opts.MaxFileSize)
	inv := inventory.New()

	// Pass 1: a workload's level depends on a Namespace that may come later
	// in the input, so namespaces are learnt first. Only inputs that mention
	// the Pod Security label prefix are decoded; the rest are only read.
	forEach(ctx, len(inputs), opts.Workers, func(i int) {
		data, err := inputs[i].Read(opts.MaxFileSize)
		if err != nil || !bytes.Contains(data, psaMarker) {
			return
		}
		objs, _ := manifest.DecodeWithLimits(inputs[i].Name, data, opts.Limits)
		for _, o := range objs {
			if inventory.IsNamespace(o) {
				inv.AddNamespace(o)
			}
		}
	})
	var nsErrs []finding.Error
	for _, ns := range inv.Namespaces() {
		_, e := inv.EnforcePolicy(ns, eng.Defaults())
		nsErrs = append(nsErrs, e...)
	}

	// Pass 2: each input is decoded, evaluated and released by one worker;
	// results land in the input's own slot, so order never depends on timing.
	results := make([]result, len(inputs))
	forEach(ctx, len(inputs), opts.Workers, func(i int) {
		in := inputs[i]
		r := &results[i]
		data, err := in.Read(opts.MaxFileSize)
		if err != nil {
			r.errs = append(r.errs, finding.Error{File: in.Name, Message: err.Error()})
			return
		}
		objs, derrs := manifest.DecodeWithLimits(in.Name, data, opts.Limits)
		r.errs = append(r.errs, derrs...)
		for _, o := range objs {
			fs, ferr := eng.EvaluateObject(o, inv)
			r.findings = append(r.findings, fs...)
			if ferr != nil {
				r.errs = append(r.errs, *ferr)
			}
			o.Release()
			inv.Add(o)
		}
	})

	rep := &finding.Report{Errors: errs, Rules: eng.Rules(), Resources: inv.Resources()}
	for _, r := range results {
		rep.Findings = append(rep.Findings, r.findings...)
		rep.Errors = append(rep.Errors, r.errs...)
	}
	rep.Errors = append(rep.Errors, nsErrs...)
	finding.Sort(rep.Findings)
	finding.SortErrors(rep.Errors)
	return rep
}

func forEach(ctx context.Context, n, workers int, fn func(i int)) {
	g, _ := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := 0; i < n; i++ {
		g.Go(func() error { fn(i); return nil })
	}
	_ = g.Wait()
}
