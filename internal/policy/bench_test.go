package policy

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
)

// benchChecks are ten container checks, each written once as a Conftest
// rule and once as a Gatekeeper template: 20 policies.
var benchChecks = []struct{ name, cond string }{
	{"host_pid", `spec.hostPID == true`},
	{"host_network", `spec.hostNetwork == true`},
	{"host_ipc", `spec.hostIPC == true`},
	{"privileged", `spec.containers[_].securityContext.privileged == true`},
	{"latest_tag", `endswith(spec.containers[_].image, ":latest")`},
	{"registry", `c := spec.containers[_]; not startswith(c.image, "registry.example.com/")`},
	{"no_limits", `c := spec.containers[_]; not c.resources.limits.memory`},
	{"run_as_root", `spec.securityContext.runAsUser == 0`},
	{"host_path", `spec.volumes[_].hostPath`},
	{"escalation", `spec.containers[_].securityContext.allowPrivilegeEscalation == true`},
}

func benchPolicies() map[string]string {
	var conftest strings.Builder
	conftest.WriteString("package main\n\n")
	files := map[string]string{}
	for i, c := range benchChecks {
		fmt.Fprintf(&conftest, "deny_%s contains msg if {\n\tspec := input.spec.template.spec\n\t%s\n\tmsg := sprintf(\"%%s: %s\", [input.metadata.name])\n}\n\n", c.name, c.cond, c.name)
		kind := fmt.Sprintf("K8sBench%d", i)
		files[fmt.Sprintf("t%d.yaml", i)] = templateYAML(kind, fmt.Sprintf(
			"package bench%d\nviolation[{\"msg\": msg}] {\n  spec := input.review.object.spec.template.spec\n  %s\n  msg := sprintf(\"%%v: %s\", [input.review.object.metadata.name])\n}\n", i, c.cond, c.name))
		files[fmt.Sprintf("c%d.yaml", i)] = constraintYAML(kind, "bench", "match:\n  kinds: [{apiGroups: [apps], kinds: [Deployment]}]\n  excludedNamespaces: [kube-system]")
	}
	files["main.rego"] = conftest.String()
	return files
}

// benchObjects are n Deployments, one in four breaking a few rules.
func benchObjects(b *testing.B, n int) []*manifest.Object {
	var doc strings.Builder
	for i := range n {
		image, hostPID := "registry.example.com/app:1.0", "false"
		if i%4 == 0 {
			image, hostPID = "docker.io/app:latest", "true"
		}
		fmt.Fprintf(&doc, `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%d
  namespace: team-%d
  labels: {app: app-%d, team: t%d}
spec:
  replicas: 2
  selector: {matchLabels: {app: app-%d}}
  template:
    metadata: {labels: {app: app-%d}}
    spec:
      hostPID: %s
      securityContext: {runAsNonRoot: true, runAsUser: 1000}
      containers:
      - name: app
        image: %s
        ports: [{containerPort: 8080}]
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {memory: 256Mi}
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true}
`, i, i%50, i, i%7, i, i, hostPID, image)
	}
	objs, errs := manifest.Decode("bench.yaml", []byte(doc.String()))
	if len(errs) > 0 || len(objs) != n {
		b.Fatalf("decode: %d objects, %v", len(objs), errs)
	}
	return objs
}

// BenchmarkPolicyEval evaluates 20 policies (10 Conftest rules, 10
// Gatekeeper constraints) over 10,000 Deployments per iteration.
func BenchmarkPolicyEval(b *testing.B) {
	s := mustLoad(b, benchPolicies(), Options{})
	if n := len(s.Rules()); n != 20 {
		b.Fatalf("%d rules, want 20", n)
	}
	objs := benchObjects(b, 10000)
	inv := inventory.New()
	ctx := context.Background()
	findings := 0
	cpu0 := cpuTime()
	for b.Loop() {
		findings = 0
		for _, o := range objs {
			fs, err := s.Evaluate(ctx, o, inv)
			if err != nil {
				b.Fatal(err)
			}
			findings += len(fs)
		}
	}
	b.ReportMetric(float64(len(objs)*b.N)/b.Elapsed().Seconds(), "objects/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(len(objs)*b.N), "ns/object")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(len(objs)*b.N), "cpu-ns/object")
	}
	if want := 2500 * 6; findings != want { // 3 rules broken × 2 styles per bad object
		b.Fatalf("%d findings, want %d", findings, want)
	}
}

// BenchmarkPolicyEvalParallel is the same work spread over GOMAXPROCS
// goroutines, as scan's workers do.
func BenchmarkPolicyEvalParallel(b *testing.B) {
	s := mustLoad(b, benchPolicies(), Options{})
	objs := benchObjects(b, 10000)
	inv := inventory.New()
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := s.Evaluate(ctx, objs[i%len(objs)], inv); err != nil {
				b.Error(err)
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}

// BenchmarkPolicyLoad is the one-off cost: parse, compile and prepare the
// 20 policies.
func BenchmarkPolicyLoad(b *testing.B) {
	dir := writeFiles(b, benchPolicies())
	for b.Loop() {
		if _, err := Load(context.Background(), Options{Paths: []string{dir}}); err != nil {
			b.Fatal(err)
		}
	}
}
