package scan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/finding"
)

type discard struct{ findings int }

func (d *discard) File(_ string, fs []finding.Finding, _ []finding.Error) error {
	d.findings += len(fs)
	return nil
}

// writeCorpus writes docs documents, 10 per file, mixing compliant and
// violating workloads with non-workload kinds, as real repositories do.
func writeCorpus(tb testing.TB, dir string, docs int) {
	tb.Helper()
	var b strings.Builder
	for i := 0; i < docs; i++ {
		if i > 0 && i%10 == 0 {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d.yaml", i/10)), []byte(b.String()), 0o644); err != nil {
				tb.Fatal(err)
			}
			b.Reset()
		}
		b.WriteString("---\n")
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "apiVersion: v1\nkind: Service\nmetadata:\n  name: s%d\n  namespace: ns%d\nspec:\n  selector: {app: a%d}\n  ports:\n  - port: 80\n    targetPort: 8080\n", i, i%50, i)
		case 1:
			fmt.Fprintf(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c%d\n  namespace: ns%d\ndata:\n  key: value\n", i, i%50)
		case 2:
			fmt.Fprintf(&b, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d%d
  namespace: ns%d
spec:
  selector: {matchLabels: {app: a%d}}
  template:
    metadata:
      labels: {app: a%d}
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: app
        image: ghcr.io/example/app:1.0
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
        resources: {limits: {cpu: 100m, memory: 64Mi}}
`, i, i%50, i, i)
		default:
			fmt.Fprintf(&b, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d%d
  namespace: ns%d
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: app
        image: nginx
        ports: [{containerPort: 80}]
        securityContext: {privileged: true}
      - name: sidecar
        image: busybox
      volumes:
      - name: host
        hostPath: {path: /var/run/docker.sock}
`, i, i%50)
		}
	}
	if b.Len() > 0 {
		if err := os.WriteFile(filepath.Join(dir, "last.yaml"), []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkScan10kDocs reports documents per second through the whole scan
// pipeline (read, decode, evaluate, locate, sort), without rendering.
func BenchmarkScan10kDocs(b *testing.B) {
	const docs = 10000
	dir := b.TempDir()
	writeCorpus(b, dir, docs)
	lv := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}
	eng, err := engine.New(engine.Options{Defaults: api.Policy{Enforce: lv}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d := &discard{}
		st, err := Run(context.Background(), eng, []string{dir}, nil, Options{}, d)
		if err != nil || st.Resources != docs || d.findings == 0 {
			b.Fatalf("resources=%d findings=%d err=%v", st.Resources, d.findings, err)
		}
	}
	b.ReportMetric(float64(docs*b.N)/b.Elapsed().Seconds(), "docs/s")
}
