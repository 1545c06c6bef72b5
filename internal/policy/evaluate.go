package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
)

// Evaluate runs every policy of the set on o: Conftest rules on o as input,
// and each Gatekeeper constraint whose match selects o on the review of o.
// An AdmissionReview object (admission.k8s.io) is reviewed as the request
// it carries, as gator does. inv supplies the labels of o's Namespace for
// namespaceSelector. Findings are unsorted; an error means some policy
// could not be evaluated (the findings of the others are returned).
func (s *Set) Evaluate(ctx context.Context, o *manifest.Object, inv *inventory.Inventory) ([]finding.Finding, error) {
	if s == nil || o == nil || o.Content == nil || (len(s.entries) == 0 && len(s.constraints) == 0) {
		return nil, nil
	}
	iv, err := s.inv.ast()
	if err != nil {
		return nil, fmt.Errorf("data.inventory: %v", err)
	}
	// The object is converted to a Rego value once, and every query of
	// this object reads data in one transaction.
	content, err := ast.InterfaceToValue(o.Content)
	if err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, inventoryKey{}, iv)
	txn, err := s.store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	defer s.store.Abort(ctx, txn)
	// One cancellation for all of them, fired by ctx without a goroutine
	// waiting on it (OPA would start one per query otherwise).
	cancel := topdown.NewCancel()
	defer context.AfterFunc(ctx, cancel.Cancel)()
	ev := &evaluation{ctx: ctx, opts: []rego.EvalOption{rego.EvalTransaction(txn), rego.EvalExternalCancel(cancel), rego.EvalMetrics(noMetrics)}, content: content}
	var (
		fs   []finding.Finding
		errs []error
	)
	if len(s.entries) > 0 {
		f, err := s.conftest(ev, o)
		fs, errs = append(fs, f...), append(errs, err)
	}
	if len(s.constraints) > 0 {
		request, _ := ctx.Value(requestKey{}).(func() map[string]any)
		f, err := s.gatekeeper(ev, o, inv, request)
		fs, errs = append(fs, f...), append(errs, err)
	}
	return fs, errors.Join(errs...)
}

// noMetrics spares each evaluation the timers OPA would otherwise create
// and read, which nothing here reports.
var noMetrics = metrics.NoOp()

// evaluation is what the queries on one object share.
type evaluation struct {
	ctx     context.Context
	opts    []rego.EvalOption
	content ast.Value
}

func (ev *evaluation) eval(q rego.PreparedEvalQuery, input ast.Value) (rego.ResultSet, error) {
	return q.Eval(ev.ctx, append([]rego.EvalOption{rego.EvalParsedInput(input)}, ev.opts...)...)
}

func (s *Set) conftest(ev *evaluation, o *manifest.Object) ([]finding.Finding, error) {
	if s.hasCombined {
		if fs, ok := s.conftestCombined(ev, o); ok {
			return fs, nil
		}
		// Some rule failed: the rules one by one say which, and the
		// others still report.
	}
	var (
		fs   []finding.Finding
		errs []error
	)
	except := map[string]map[string]bool{}
	for _, x := range s.exceptions {
		rs, err := ev.eval(x.query, ev.content)
		if err != nil {
			errs = append(errs, fmt.Errorf("data.%s.exception: %w", x.pkg, err))
			continue
		}
		except[x.pkg] = excepted(value(rs))
	}
	for _, e := range s.entries {
		if except[e.pkg][exceptionName(e.name)] {
			continue
		}
		rs, err := ev.eval(e.query, ev.content)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.rule.ID, err))
			continue
		}
		results, err := conftestResults(value(rs), e.name)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.rule.ID, err))
		}
		for _, r := range results {
			fs = append(fs, newFinding(o, e.rule, e.rule.Severity, r, ""))
		}
	}
	return fs, errors.Join(errs...)
}

// conftestCombined evaluates every rule in one query (combinedQuery); ok
// is false when any rule fails to evaluate or gives a value Conftest does
// not read, and the caller then evaluates them one by one.
func (s *Set) conftestCombined(ev *evaluation, o *manifest.Object) ([]finding.Finding, bool) {
	rs, err := ev.eval(s.combined, ev.content)
	if err != nil || len(rs) != 1 {
		return nil, false
	}
	binding := func(i int) any {
		arr, _ := rs[0].Bindings[s.combinedVars[i]].([]any)
		if len(arr) == 0 {
			return nil
		}
		return arr[0]
	}
	except := map[string]map[string]bool{}
	for i, x := range s.exceptions {
		except[x.pkg] = excepted(binding(i))
	}
	var fs []finding.Finding
	for i, e := range s.entries {
		if except[e.pkg][exceptionName(e.name)] {
			continue
		}
		results, err := conftestResults(binding(len(s.exceptions)+i), e.name)
		if err != nil {
			return nil, false
		}
		for _, r := range results {
			fs = append(fs, newFinding(o, e.rule, e.rule.Severity, r, ""))
		}
	}
	return fs, true
}

// result is one message of a policy, with the field it names, if any.
type result struct{ msg, path string }

// conftestResults reads a rule's value as Conftest does: a set of strings
// or of objects with msg (and optional metadata, path among it); a rule
// that is simply true yields one message naming it.
func conftestResults(v any, rule string) ([]result, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case bool:
		if !x {
			return nil, nil
		}
		return []result{{msg: rule}}, nil
	case string:
		return []result{{msg: x}}, nil
	case []any:
		var out []result
		for _, it := range x {
			switch r := it.(type) {
			case string:
				out = append(out, result{msg: r})
			case map[string]any:
				msg, ok := r["msg"].(string)
				if !ok {
					return out, fmt.Errorf("result %v has no msg string", r)
				}
				p, _ := r["path"].(string)
				out = append(out, result{msg, p})
			default:
				return out, fmt.Errorf("result %v is neither a string nor an object with msg", r)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("value %v is neither a set of messages nor a boolean", v)
}

type requestKey struct{}

// WithRequest returns a context in which Evaluate reviews objects for
// Gatekeeper constraints as parts of an admission request, as Gatekeeper
// does at admission: input.review is what request returns (the
// AdmissionRequest as JSON, its uid, operation, userInfo, oldObject,
// dryRun...) with the object evaluated as its object, where a scan (like
// gator and Gatekeeper's audit) has an empty operation and userInfo.
// request is called only when a constraint matches. Conftest rules see the
// object alone either way.
func WithRequest(ctx context.Context, request func() map[string]any) context.Context {
	return context.WithValue(ctx, requestKey{}, request)
}

// gatekeeper evaluates the constraints that match o; request, when not
// nil, gives the admission request o is under review in (WithRequest).
func (s *Set) gatekeeper(ev *evaluation, o *manifest.Object, inv *inventory.Inventory, request func() map[string]any) ([]finding.Finding, error) {
	rv, err := reviewOf(o, ev.content, request)
	if err != nil {
		return nil, err
	}
	subj := &rv.subject
	if subj.namespace != "" && inv != nil {
		if ns, ok := inv.Namespace(subj.namespace); ok {
			subj.namespaceLabels, subj.namespaceFound = ns.Labels, true
		}
	}
	var (
		fs     []finding.Finding
		errs   []error
		review *ast.Term
	)
	for _, c := range s.constraints {
		if !c.match.matches(subj) {
			continue
		}
		if review == nil {
			v, err := rv.value()
			if err != nil {
				return nil, err
			}
			review = ast.NewTerm(v)
		}
		input := ast.NewObject(
			ast.Item(ast.StringTerm("review"), review),
			ast.Item(ast.StringTerm("parameters"), ast.NewTerm(c.params)),
		)
		rs, err := ev.eval(c.tpl.query, input)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.rule.ID, err))
			continue
		}
		items, _ := value(rs).([]any)
		for _, it := range items {
			r, ok := it.(map[string]any)
			msg, isString := r["msg"].(string)
			if !ok || !isString {
				errs = append(errs, fmt.Errorf("%s: violation %v has no msg string", c.rule.ID, it))
				continue
			}
			p, _ := r["path"].(string)
			if p == "" {
				p, _ = dig(r, "details", "path").(string)
			}
			fs = append(fs, newFinding(o, c.rule, c.rule.Severity, result{msg, p}, rv.prefix))
		}
	}
	return fs, errors.Join(errs...)
}

// review is what a constraint sees of an object.
type review struct {
	subject subject
	// value builds input.review, once some constraint matches.
	value  func() (ast.Value, error)
	prefix string // field path of the reviewed object within o
}

// reviewOf gives input.review as Gatekeeper builds it. Within an admission
// request (request not nil, WithRequest), it is the request with o as its
// object. Outside admission (gator, audit, a scan), it is the
// AdmissionRequest fields with kind, name, namespace and object set, and
// an empty operation and userInfo; an AdmissionReview object gives its own
// request. content is o as a Rego value.
func reviewOf(o *manifest.Object, content ast.Value, request func() map[string]any) (*review, error) {
	str := ast.StringTerm
	if o.Kind == "AdmissionReview" && strings.HasPrefix(o.APIVersion, "admission.k8s.io/") {
		req, _ := o.Content["request"].(map[string]any)
		reqValue, _ := content.(ast.Object).Get(str("request")).Value.(ast.Object)
		if req == nil || reqValue == nil {
			return nil, fmt.Errorf("AdmissionReview has no request")
		}
		prefix := "request.object"
		obj, _ := req["object"].(map[string]any)
		if obj == nil {
			// A DELETE carries only the old object; Gatekeeper reviews it
			// as the object.
			prefix = "request.oldObject"
			obj, _ = req["oldObject"].(map[string]any)
			if old := reqValue.Get(str("oldObject")); obj != nil && old != nil {
				reqValue = reqValue.Copy()
				reqValue.Insert(str("object"), old)
			}
		}
		if obj == nil {
			return nil, fmt.Errorf("AdmissionReview request has neither object nor oldObject")
		}
		rv := &review{value: func() (ast.Value, error) { return reqValue, nil }, prefix: prefix + "."}
		rv.subject = subjectOf(obj)
		if kind, ok := req["kind"].(map[string]any); ok {
			if k, _ := kind["kind"].(string); k != "" {
				rv.subject.kind = k
				rv.subject.group, _ = kind["group"].(string)
			}
		}
		if ns, ok := req["namespace"].(string); ok && ns != "" {
			rv.subject.namespace = ns
		}
		return rv, nil
	}
	subj := subjectOf(o.Content)
	return &review{subject: subj, value: func() (ast.Value, error) {
		if request != nil {
			if m := request(); m != nil {
				v, err := ast.InterfaceToValue(m)
				if err != nil {
					return nil, fmt.Errorf("admission request: %w", err)
				}
				if req, ok := v.(ast.Object); ok {
					req.Insert(str("object"), ast.NewTerm(content))
					return req, nil
				}
			}
		}
		return gatorReview(o, subj, content), nil
	}}, nil
}

// gatorReview is input.review outside admission, as gator builds it.
func gatorReview(o *manifest.Object, subj subject, content ast.Value) ast.Value {
	str := ast.StringTerm
	group, version, found := strings.Cut(o.APIVersion, "/")
	if !found {
		group, version = "", o.APIVersion
	}
	empty := str("")
	items := [][2]*ast.Term{
		ast.Item(str("uid"), empty),
		ast.Item(str("kind"), ast.ObjectTerm(ast.Item(str("group"), str(group)), ast.Item(str("version"), str(version)), ast.Item(str("kind"), str(o.Kind)))),
		ast.Item(str("resource"), ast.ObjectTerm(ast.Item(str("group"), empty), ast.Item(str("version"), empty), ast.Item(str("resource"), empty))),
		ast.Item(str("operation"), empty),
		ast.Item(str("userInfo"), ast.ObjectTerm()),
		ast.Item(str("object"), ast.NewTerm(content)),
		ast.Item(str("oldObject"), ast.NullTerm()),
		ast.Item(str("options"), ast.NullTerm()),
	}
	if subj.name != "" {
		items = append(items, ast.Item(str("name"), str(subj.name)))
	}
	if subj.namespace != "" {
		items = append(items, ast.Item(str("namespace"), str(subj.namespace)))
	}
	return ast.NewObject(items...)
}

func subjectOf(obj map[string]any) subject {
	var s subject
	s.kind, _ = obj["kind"].(string)
	if av, _ := obj["apiVersion"].(string); strings.Contains(av, "/") {
		s.group, _, _ = strings.Cut(av, "/")
	}
	meta, _ := obj["metadata"].(map[string]any)
	s.name, _ = meta["name"].(string)
	s.namespace, _ = meta["namespace"].(string)
	if ls, ok := meta["labels"].(map[string]any); ok {
		s.labels = make(map[string]string, len(ls))
		for k, v := range ls {
			s.labels[k], _ = v.(string)
		}
	}
	return s
}

// value is the value of a single-expression query, nil when undefined.
func value(rs rego.ResultSet) any {
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil
	}
	return rs[0].Expressions[0].Value
}

func newFinding(o *manifest.Object, r finding.Rule, sev finding.Severity, res result, prefix string) finding.Finding {
	line := o.Source.Line
	if res.path != "" {
		line = o.Line(prefix + res.path)
	}
	return finding.Finding{
		Check:       r.ID,
		Standard:    finding.StandardPolicy,
		Severity:    sev,
		File:        o.Source.File,
		Line:        line,
		Resource:    finding.Resource{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name},
		Path:        res.path,
		Message:     res.msg,
		Remediation: r.Remediation,
	}
}
