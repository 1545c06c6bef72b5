package cluster

import (
	"cmp"
	"context"
	"runtime"
	"slices"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	runtimeconv "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/pss"
	"github.com/palisade-dev/palisade/internal/workload"
)

// Sink receives each unit's sorted findings and errors, units in name
// order; report.Stream is one.
type Sink interface {
	File(name string, findings []finding.Finding, errs []finding.Error) error
}

// ScanOptions tune a cluster scan.
type ScanOptions struct {
	// AllObjects reports every object, pods of controllers included,
	// instead of each owner once.
	AllObjects bool
	// Workers bounds parallelism; 0 means GOMAXPROCS.
	Workers int
	// Version is the Pod Security version the posture table counts
	// violations at (latest when zero).
	Version api.Version
	// Progress, when set, hears of each evaluated object.
	Progress Progress
}

// ScanResult is what the exit code and the posture table need once the
// findings have gone to the sink.
type ScanResult struct {
	Resources int
	Errors    int
	// Worst is the highest severity of an unsuppressed finding.
	Worst   finding.Severity
	Posture []Posture
	// ClusterRBACFindings counts unsuppressed findings on ClusterRoles and
	// ClusterRoleBindings.
	ClusterRBACFindings int
}

type evaluated struct {
	findings []finding.Finding
	err      *finding.Error
	// fails is the lowest level the workload fails ("" when it passes or
	// is no workload): baseline, or restricted.
	fails    api.Level
	workload bool
}

// Scan runs eng over snap as the file scan runs it over files: the
// inventory learns every fact first, then each object is evaluated with
// the same engine, and each unit (a namespace, or the cluster-scoped
// objects) goes to sink in name order. problems become errors of the
// cluster-scoped unit, so reports and the exit code carry them.
func Scan(ctx context.Context, eng *engine.Engine, snap *Snapshot, problems []Problem, opts ScanOptions, sink Sink) (*ScanResult, error) {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Version == (api.Version{}) {
		opts.Version = api.LatestVersion()
	}
	var selected []*Item
	for _, it := range snap.Items() {
		if snap.Reported(it) || (opts.AllObjects && snap.InScope(it)) {
			selected = append(selected, it)
		}
	}

	// Pass 1, as in the file scan: facts first (every object of the kinds
	// the inventory learns), then the workloads that are reported.
	inv := inventory.New()
	for _, it := range snap.Items() {
		if slices.Contains(inventory.LearnKinds, it.Object.Kind) {
			inv.Learn(it.Object)
		}
	}
	if inv.WantsWorkloads() {
		for _, it := range selected {
			if workload.IsWorkloadKind(it.Object.APIVersion, it.Object.Kind) {
				inv.Learn(it.Object)
			}
		}
	}

	// Pass 2: evaluate.
	restricted := api.LevelVersion{Level: api.LevelRestricted, Version: opts.Version}
	results := make([]evaluated, len(selected))
	var done atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Workers)
	for i, it := range selected {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			r := &results[i]
			r.findings, r.err = eng.EvaluateObject(it.Object, inv)
			clearLines(r.findings, r.err)
			if w, ok, err := workload.Extract(it.Object); ok && err == nil {
				r.workload = true
				r.fails = lowestFailed(eng.PSS(), restricted, w)
			}
			inv.Count()
			if opts.Progress != nil {
				opts.Progress.Evaluated(int(done.Add(1)), len(selected))
			}
			return nil
		})
	}
	_ = g.Wait()
	if opts.Progress != nil {
		opts.Progress.Done() // before the report reaches the same terminal
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	res := &ScanResult{Resources: inv.Resources()}
	res.Posture = posture(snap, inv, selected, results)
	for i := range selected {
		for _, f := range results[i].findings {
			if f.Suppressed {
				continue
			}
			res.Worst = max(res.Worst, f.Severity)
			if f.Resource.Kind == "ClusterRole" || f.Resource.Kind == "ClusterRoleBinding" {
				res.ClusterRBACFindings++
			}
		}
	}
	return res, emit(snap, eng, inv, selected, results, problems, sink, res)
}

// clearLines drops the lines of the JSON an object was decoded from,
// which name no line a user has.
func clearLines(fs []finding.Finding, err *finding.Error) {
	for i := range fs {
		fs[i].Line = 0
	}
	if err != nil {
		err.Line = 0
	}
}

// lowestFailed evaluates w at restricted: any failure means it fails
// restricted, and a failure of a baseline check means it fails baseline.
func lowestFailed(ev *pss.Evaluator, lv api.LevelVersion, w *workload.Workload) api.Level {
	var fails api.Level
	for _, r := range ev.Evaluate(lv, w.Meta, w.Spec) {
		if r.Level == api.LevelBaseline {
			return api.LevelBaseline
		}
		fails = api.LevelRestricted
	}
	return fails
}

// emit groups findings and errors by unit and feeds the sink in unit
// order.
func emit(snap *Snapshot, eng *engine.Engine, inv *inventory.Inventory, selected []*Item, results []evaluated, problems []Problem, sink Sink, res *ScanResult) error {
	type unit struct {
		findings []finding.Finding
		errs     []finding.Error
	}
	units := map[string]*unit{}
	get := func(name string) *unit {
		if u, ok := units[name]; ok {
			return u
		}
		u := &unit{}
		units[name] = u
		return u
	}
	for i, it := range selected {
		u := get(it.Object.Source.File)
		u.findings = append(u.findings, results[i].findings...)
		if results[i].err != nil {
			u.errs = append(u.errs, *results[i].err)
		}
		it.Object.Release()
	}
	for _, ns := range snap.Namespaces() {
		_, errs := inv.EnforcePolicy(ns, eng.Defaults())
		for _, e := range errs {
			u := get(e.File)
			u.errs = append(u.errs, e)
		}
	}
	cl := UnitName(snap.Context, "")
	for _, p := range problems {
		if p.NotServed {
			continue
		}
		u := get(cl)
		u.errs = append(u.errs, finding.Error{File: cl, Message: p.Error()})
	}
	names := make([]string, 0, len(units))
	for n := range units {
		names = append(names, n)
	}
	slices.SortFunc(names, cmp.Compare)
	for _, n := range names {
		u := units[n]
		finding.Sort(u.findings)
		finding.SortErrors(u.errs)
		res.Errors += len(u.errs)
		if err := sink.File(n, u.findings, u.errs); err != nil {
			return err
		}
	}
	return nil
}

// posture derives the posture table from the inventory's facts, the
// Services listed and the verdicts of pass 2.
func posture(snap *Snapshot, inv *inventory.Inventory, selected []*Item, results []evaluated) []Posture {
	byNS := map[string]*Posture{}
	var out []*Posture
	for _, ns := range snap.Namespaces() {
		p := &Posture{Namespace: ns, PodSecurity: map[string]string{}, OpenLoadBalancers: []string{},
			Violating: map[string]int{string(api.LevelBaseline): 0, string(api.LevelRestricted): 0}}
		if n, ok := inv.Namespace(ns); ok {
			p.PodSecurity = podSecurityLabels(n.Labels)
		}
		nps := inv.NetworkPolicies(ns)
		typed := make([]*networkingv1.NetworkPolicy, 0, len(nps))
		for _, np := range nps {
			typed = append(typed, np.NetworkPolicy)
		}
		p.DefaultDenyIngress = DefaultDeny(typed, networkingv1.PolicyTypeIngress)
		p.DefaultDenyEgress = DefaultDeny(typed, networkingv1.PolicyTypeEgress)
		p.MetadataEndpointBlocked = MetadataBlocked(typed)
		byNS[ns] = p
		out = append(out, p)
	}
	for i, it := range selected {
		o := it.Object
		p := byNS[o.Namespace]
		if p == nil {
			continue
		}
		r := results[i]
		if r.workload {
			p.Workloads++
			switch r.fails {
			case api.LevelBaseline:
				p.Violating[string(api.LevelBaseline)]++
				p.Violating[string(api.LevelRestricted)]++
			case api.LevelRestricted:
				p.Violating[string(api.LevelRestricted)]++
			}
		}
		if o.Kind == "Service" && o.APIVersion == "v1" {
			var svc corev1.Service
			if runtimeconv.DefaultUnstructuredConverter.FromUnstructured(o.Content, &svc) == nil && OpenToWorld(&svc) {
				p.OpenLoadBalancers = append(p.OpenLoadBalancers, o.Name)
			}
		}
		if o.Kind == "Role" || o.Kind == "RoleBinding" || o.Kind == "ServiceAccount" {
			for _, f := range r.findings {
				if !f.Suppressed {
					p.RBACFindings++
				}
			}
		}
	}
	ps := make([]Posture, len(out))
	for i, p := range out {
		ps[i] = *p
	}
	return ps
}
