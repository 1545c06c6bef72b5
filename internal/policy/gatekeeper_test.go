package policy

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// reviewTemplate reports input.review and input.parameters as they are.
const reviewTemplate = `package k8sreview
violation[{"msg": msg}] {
  msg := json.marshal({"review": object.remove(input.review, ["object"]), "parameters": input.parameters})
}
`

// TestGatekeeperInput: input.review is shaped as Gatekeeper builds it for
// an object outside admission (gator, audit), and input.parameters default
// to an empty object.
func TestGatekeeperInput(t *testing.T) {
	tests := []struct {
		name, params, doc, want string
	}{{
		name: "namespaced object",
		doc:  podHostPID,
		want: `{"parameters":{},"review":{"kind":{"group":"","kind":"Pod","version":"v1"},"name":"p","namespace":"web","oldObject":null,"operation":"","options":null,"resource":{"group":"","resource":"","version":""},"uid":"","userInfo":{}}}`,
	}, {
		name:   "cluster-scoped object with a group, and parameters",
		params: "parameters:\n  labels: [team]",
		doc:    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: admin}\n",
		want:   `{"parameters":{"labels":["team"]},"review":{"kind":{"group":"rbac.authorization.k8s.io","kind":"ClusterRole","version":"v1"},"name":"admin","oldObject":null,"operation":"","options":null,"resource":{"group":"","resource":"","version":""},"uid":"","userInfo":{}}}`,
	}, {
		name: "an AdmissionReview is reviewed as its request",
		doc: `apiVersion: admission.k8s.io/v1
kind: AdmissionReview
request:
  operation: DELETE
  userInfo: {username: alice}
  kind: {group: apps, version: v1, kind: Deployment}
  namespace: web
  oldObject:
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api, namespace: web}
`,
		want: `{"parameters":{},"review":{"kind":{"group":"apps","kind":"Deployment","version":"v1"},"namespace":"web","oldObject":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api","namespace":"web"}},"operation":"DELETE","userInfo":{"username":"alice"}}}`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustLoad(t, map[string]string{
				"t.yaml": templateYAML("K8sReview", reviewTemplate),
				"c.yaml": constraintYAML("K8sReview", "c", "match: {}\n"+tc.params),
			}, Options{})
			fs := evaluate(t, s, tc.doc)
			if len(fs) != 1 {
				t.Fatalf("got %v", fs)
			}
			if fs[0].Message != tc.want {
				t.Errorf("got\n%s\nwant\n%s", fs[0].Message, tc.want)
			}
		})
	}
}

// TestGatekeeperObject: the object under review is input.review.object, and
// a DELETE's old object stands in for it.
func TestGatekeeperObject(t *testing.T) {
	s := mustLoad(t, map[string]string{
		"t.yaml": templateYAML("K8sName", `package k8sname
violation[{"msg": input.review.object.metadata.name, "details": {"path": "metadata.name"}}] { true }
`),
		"c.yaml": constraintYAML("K8sName", "c", "match: {}"),
	}, Options{})
	if got, want := brief(evaluate(t, s, podHostPID)), "policy/k8sname.c 4 high metadata.name: p\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	review := `apiVersion: admission.k8s.io/v1
kind: AdmissionReview
request:
  operation: DELETE
  oldObject:
    apiVersion: v1
    kind: Pod
    metadata:
      name: gone
`
	if got, want := brief(evaluate(t, s, review)), "policy/k8sname.c 9 high metadata.name: gone\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestMatch: a constraint applies only where its spec.match selects.
func TestMatch(t *testing.T) {
	ns := func(name, labels string) string {
		return "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + name + ", labels: {" + labels + "}}\n"
	}
	tests := []struct {
		name, match string
		namespaces  []string
		doc         string
		want        bool
	}{
		{"no match selects all", "{}", nil, podHostPID, true},
		{"kind and group", "kinds: [{apiGroups: [''], kinds: [Pod]}]", nil, podHostPID, true},
		{"kind in another group", "kinds: [{apiGroups: [apps], kinds: [Pod]}]", nil, podHostPID, false},
		{"wildcards", "kinds: [{apiGroups: ['*'], kinds: ['*']}]", nil, podHostPID, true},
		{"namespaces", "namespaces: [web]", nil, podHostPID, true},
		{"namespace prefix", "namespaces: [we*]", nil, podHostPID, true},
		{"namespace suffix", "namespaces: ['*-system']", nil, podHostPID, false},
		{"excluded namespace", "excludedNamespaces: [web]", nil, podHostPID, false},
		{"label selector", "labelSelector: {matchLabels: {app: web}}", nil, podHostPID, true},
		{"label selector miss", "labelSelector: {matchExpressions: [{key: app, operator: NotIn, values: [web]}]}", nil, podHostPID, false},
		{"namespace selector", "namespaceSelector: {matchLabels: {tier: front}}", []string{ns("web", "tier: front")}, podHostPID, true},
		{"namespace selector miss", "namespaceSelector: {matchLabels: {tier: back}}", []string{ns("web", "tier: front")}, podHostPID, false},
		{"namespace selector, namespace not in the input", "namespaceSelector: {matchLabels: {tier: front}}", nil, podHostPID, false},
		{"namespace selector on a Namespace", "namespaceSelector: {matchLabels: {tier: front}}", nil, ns("web", "tier: front"), true},
		{"namespaces on a Namespace", "namespaces: [web]", nil, ns("web", ""), true},
		{"scope Namespaced", "scope: Namespaced", nil, podHostPID, true},
		{"scope Cluster", "scope: Cluster", nil, podHostPID, false},
		{"scope Cluster on a Namespace", "scope: Cluster", nil, ns("web", ""), true},
		{"name", "name: p", nil, podHostPID, true},
		{"name glob miss", "name: q*", nil, podHostPID, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustLoad(t, map[string]string{
				"t.yaml": templateYAML("K8sAll", "package k8sall\nviolation[{\"msg\": \"matched\"}] { true }\n"),
				"c.yaml": constraintYAML("K8sAll", "c", "match:\n  "+tc.match),
			}, Options{})
			if got := len(evaluate(t, s, tc.doc, tc.namespaces...)) == 1; got != tc.want {
				t.Errorf("matched = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestEnforcementActions: deny keeps the template's severity, warn is low,
// dryrun is reported with severity none.
func TestEnforcementActions(t *testing.T) {
	s := mustLoad(t, map[string]string{
		"t.yaml": templateYAML("K8sAll", `package k8sall
# METADATA
# custom:
#   severity: critical
violation[{"msg": "m"}] { true }
`),
		"deny.yaml":   constraintYAML("K8sAll", "a-deny", "match: {}"),
		"warn.yaml":   constraintYAML("K8sAll", "b-warn", "enforcementAction: warn"),
		"dryrun.yaml": constraintYAML("K8sAll", "c-dryrun", "enforcementAction: dryrun"),
		"scoped.yaml": constraintYAML("K8sAll", "d-scoped", "enforcementAction: scoped\nscopedEnforcementActions:\n- action: warn\n  enforcementPoints: [{name: audit.gatekeeper.sh}]\n- action: deny\n  enforcementPoints: [{name: validation.gatekeeper.sh}]"),
	}, Options{})
	want := "policy/k8sall.a-deny 1 critical : m\npolicy/k8sall.b-warn 1 low : m\npolicy/k8sall.c-dryrun 1 none : m\npolicy/k8sall.d-scoped 1 critical : m\n"
	if got := brief(evaluate(t, s, podHostPID)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	for id, action := range map[string]string{"policy/k8sall.a-deny": ActionDeny, "policy/k8sall.b-warn": ActionWarn, "policy/k8sall.c-dryrun": ActionDryRun, "policy/none": ""} {
		if got := s.Action(id); got != action {
			t.Errorf("Action(%s) = %q, want %q", id, got, action)
		}
	}
}

// TestTemplateRego: libs, the code engine with Rego v1, METADATA and
// annotations, and two templates using one package name.
func TestTemplateRego(t *testing.T) {
	v1 := `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sv1
  annotations:
    metadata.gatekeeper.sh/title: From annotations
    description: Described.
spec:
  crd:
    spec:
      names:
        kind: K8sV1
  targets:
  - target: admission.k8s.gatekeeper.sh
    code:
    - engine: Rego
      source:
        version: v1
        rego: |
          package same
          import data.lib.names
          violation contains {"msg": names.up} if true
        libs:
        - |
          package lib.names
          up := upper(input.review.object.metadata.name)
`
	v0 := templateYAML("K8sV0", `package same
import data.lib.names
violation[{"msg": names.low}] { true }
`) + `    libs:
    - |
      package lib.names
      low := lower(input.review.object.metadata.name)
`
	s := mustLoad(t, map[string]string{
		"v1.yaml": v1, "v0.yaml": v0,
		"c.yaml": constraintYAML("K8sV1", "one", "match: {}") + "---\n" + constraintYAML("K8sV0", "zero", "match: {}"),
	}, Options{})
	if got, want := brief(evaluate(t, s, podHostPID)), "policy/k8sv0.zero 1 high : p\npolicy/k8sv1.one 1 high : P\n"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	rules := s.Rules()
	if rules[1].Title != "From annotations" || rules[1].Rationale != "Described." || rules[0].Title != "K8sV0" {
		t.Errorf("rules %+v", rules)
	}
}

// peersViolation names the other Pods of data.inventory (which never
// carries managedFields).
const peersViolation = `violation[{"msg": msg}] {
  some ns, name
  other := data.inventory.namespace[ns]["v1"]["Pod"][name]
  name != input.review.object.metadata.name
  not other.metadata.managedFields
  msg := sprintf("peer %s/%s", [ns, name])
}
`

// TestInventory: data.inventory holds the objects kept for the run, as
// Gatekeeper lays them out, and only the kinds the policies read.
func TestInventory(t *testing.T) {
	s := mustLoad(t, map[string]string{
		"t.yaml": templateYAML("K8sPeers", "package k8speers\n"+peersViolation+`violation[{"msg": msg}] {
  data.inventory.cluster["v1"]["Namespace"][input.review.object.metadata.namespace]
  msg := "namespace known"
}
`),
		"c.yaml": constraintYAML("K8sPeers", "c", "match: {kinds: [{kinds: [Pod]}]}"),
	}, Options{})
	keep, kind := s.Keeper()
	if keep == nil || kind == nil || !kind("Pod") || !kind("Namespace") || kind("Deployment") {
		t.Fatalf("Keeper should keep Pods and Namespaces only")
	}
	for _, o := range decode(t, podHostPID+"---\n"+strings.Replace(podHostPID, "name: p", "name: q", 1)+"---\napiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n") {
		keep(o)
	}
	if n := s.Inventory().Len(); n != 3 {
		t.Errorf("kept %d objects", n)
	}
	if got, want := brief(evaluate(t, s, podHostPID)), "policy/k8speers.c 1 high : namespace known\npolicy/k8speers.c 1 high : peer web/q\n"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// Another inventory, same compiled set.
	other := s.WithInventory(NewInventory())
	if got := brief(evaluate(t, other, podHostPID)); got != "" {
		t.Errorf("empty inventory: %s", got)
	}
	// No policy reads data.inventory: nothing is kept.
	none := mustLoad(t, map[string]string{"p.rego": "package main\ndeny contains \"x\" if false\n"}, Options{})
	if keep, kind := none.Keeper(); keep != nil || kind != nil {
		t.Error("nothing to keep")
	}
}

// TestInventoryFollow: a followed inventory (serve's) shows additions and
// deletions to evaluations shortly after they happen, converts each object
// once, and keeps InventoryKinds for the sync to watch.
func TestInventoryFollow(t *testing.T) {
	s := mustLoad(t, map[string]string{
		"t.yaml": templateYAML("K8sPeers", "package k8speers\n"+peersViolation),
		"c.yaml": constraintYAML("K8sPeers", "c", "match: {kinds: [{kinds: [Pod]}]}"),
	}, Options{})
	if kinds, anyKind := s.InventoryKinds(); !slices.Equal(kinds, []string{"Pod"}) || anyKind {
		t.Fatalf("InventoryKinds = %v, %v", kinds, anyKind)
	}
	inv := NewInventory()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inv.Follow(ctx, 5*time.Millisecond)
	live := s.WithInventory(inv)
	eventually := func(want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			got := brief(evaluate(t, live, podHostPID))
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	eventually("")
	peer := decode(t, strings.Replace(podHostPID, "name: p", "name: q\n  managedFields: [{manager: kubectl}]", 1))[0]
	inv.Add(peer)
	eventually("policy/k8speers.c 1 high : peer web/q\n")
	inv.Delete("web", "v1", "Pod", "q")
	eventually("")
	// Unknown objects are ignored.
	inv.Delete("web", "v1", "Pod", "nothing")
	if inv.Len() != 0 {
		t.Errorf("%d objects left", inv.Len())
	}
}

func TestInventoryRefs(t *testing.T) {
	tests := []struct {
		rego  string
		kinds string
		all   bool
	}{
		{`x := data.inventory.namespace[_]["v1"]["Pod"]`, "Pod", false},
		{`x := data.inventory.cluster["v1"].Namespace`, "Namespace", false},
		{`x := data.inventory.namespace[_][_][k]`, "", true},
		{`x := data.inventory.namespace`, "", true},
		{`x := data.inventory`, "", true},
		{`x := data.lib.y`, "", false},
		{"import data.inventory\nx := inventory.cluster.v1.Node", "Node", false},
	}
	for _, tc := range tests {
		m, err := parseRego("x.rego", "package x\n"+tc.rego+"\n", RegoV1, 0)
		if err != nil {
			t.Fatal(err)
		}
		c := newCompiler(nil, false)
		if c.Compile(map[string]*ast.Module{"x": m}); c.Failed() {
			t.Fatal(c.Errors)
		}
		kinds, all := inventoryRefs(c.Modules)
		var got []string
		for k := range kinds {
			got = append(got, k)
		}
		if strings.Join(got, ",") != tc.kinds || all != tc.all {
			t.Errorf("%s: got %v %v, want %s %v", tc.rego, got, all, tc.kinds, tc.all)
		}
	}
}

func TestInventoryLayout(t *testing.T) {
	inv := NewInventory()
	for _, o := range decode(t, `apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: web
  managedFields: [{manager: kubectl}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: admin}
`) {
		inv.Add(o)
	}
	v, err := inv.ast()
	if err != nil {
		t.Fatal(err)
	}
	var got any
	if err := json.Unmarshal([]byte(v.String()), &got); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	want := `{"cluster":{"rbac.authorization.k8s.io/v1":{"ClusterRole":{"admin":{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"admin"}}}}},"namespace":{"web":{"v1":{"Pod":{"p":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"web"}}}}}}}`
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
	if _, err := NewInventory().ast(); err != nil {
		t.Error(err)
	}
	var s *Set
	if keep, _ := s.Keeper(); keep != nil {
		t.Error("nil set keeps nothing")
	}
}

// TestEvaluateWithRequest: within WithRequest, constraints review the
// object as part of the admission request (its fields, and the object as
// input.review.object); Conftest rules still see the object alone, and
// without a request the review is gator's.
func TestEvaluateWithRequest(t *testing.T) {
	s := mustLoad(t, map[string]string{
		"t.yaml": templateYAML("K8sReq", `package k8sreq
violation[{"msg": msg}] {
  old := object.get(input.review, ["oldObject", "metadata", "name"], "none")
  user := object.get(input.review.userInfo, "username", "")
  msg := sprintf("%q %q old=%v object=%v", [input.review.operation, user, old, input.review.object.metadata.name])
}
`),
		"c.yaml":      constraintYAML("K8sReq", "c", "match: {kinds: [{kinds: [Pod]}]}"),
		"policy.rego": "package main\ndeny contains msg if { msg := sprintf(\"conftest sees %s\", [input.kind]) }\n",
	}, Options{})
	o := decode(t, podHostPID)[0]
	messages := func(ctx context.Context) string {
		t.Helper()
		fs, err := s.Evaluate(ctx, o, nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range fs {
			out = append(out, f.Message)
		}
		slices.Sort(out)
		return strings.Join(out, "\n")
	}
	if got, want := messages(context.Background()), "\"\" \"\" old=none object=p\nconftest sees Pod"; got != want {
		t.Errorf("without a request:\n%s\nwant\n%s", got, want)
	}
	req := map[string]any{"operation": "UPDATE", "userInfo": map[string]any{"username": "alice"},
		"oldObject": map[string]any{"metadata": map[string]any{"name": "p-old"}}}
	if got, want := messages(WithRequest(context.Background(), func() map[string]any { return req })), "\"UPDATE\" \"alice\" old=p-old object=p\nconftest sees Pod"; got != want {
		t.Errorf("within a request:\n%s\nwant\n%s", got, want)
	}
}
