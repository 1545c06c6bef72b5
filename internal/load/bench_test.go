package load_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/internal/load"
)

// chart50 writes a chart of 50 Deployment templates sharing a helper, with
// values, under dir.
func chart50(b *testing.B, dir string) string {
	b.Helper()
	chart := filepath.Join(dir, "big")
	files := map[string]string{
		"Chart.yaml":       "apiVersion: v2\nname: big\nversion: 0.1.0\n",
		"values.yaml":      "image: registry.example/app:1\nreplicas: 2\nprivileged: false\n",
		"templates/_h.tpl": "{{- define \"big.labels\" -}}\napp.kubernetes.io/name: {{ .Chart.Name }}\napp.kubernetes.io/instance: {{ .Release.Name }}\n{{- end -}}\n",
	}
	for i := range 50 {
		files[fmt.Sprintf("templates/deploy%02d.yaml", i)] = strings.ReplaceAll(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-NN
  labels:
    {{- include "big.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: "NN"}
  template:
    metadata:
      labels: {app: "NN"}
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: app
        image: {{ .Values.image | quote }}
        resources:
          limits: {cpu: 100m, memory: 64Mi}
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
          privileged: {{ .Values.privileged }}
`, "NN", fmt.Sprint(i))
	}
	for name, content := range files {
		p := filepath.Join(chart, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return chart
}

// BenchmarkChart50Templates renders a 50-template chart (Render) and
// renders and scans it with every check (RenderAndScan).
func BenchmarkChart50Templates(b *testing.B) {
	chart := chart50(b, b.TempDir())
	b.Run("Render", func(b *testing.B) {
		for b.Loop() {
			ins, errs := load.Expand([]string{chart}, nil, load.Options{})
			if len(ins) != 50 || errs != nil {
				b.Fatalf("%d inputs, errors %v", len(ins), errs)
			}
		}
	})
	b.Run("RenderAndScan", func(b *testing.B) {
		eng := newEngine(b)
		for b.Loop() {
			c, stats := scanWith(b, eng, load.Options{}, chart)
			if stats.Resources != 50 || stats.Errors != 0 || len(c.findings) == 0 {
				b.Fatalf("%d resources, errors %v", stats.Resources, c.errs)
			}
		}
	})
}
