package checks

import (
	"testing"

	"github.com/palisade-dev/palisade/internal/config"
)

func TestBPHighPriorityClass(t *testing.T) {
	doc := func(ns, class string) string {
		return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
  namespace: ` + ns + `
spec:
  template:
    spec:
      priorityClassName: ` + class + `
      containers:
      - name: app
        image: app:1
`
	}
	bpTable(t, "bp/high-priority-class", []bpCase{{
		name: "system class outside kube-system",
		doc:  doc("shop", "system-node-critical"),
		want: []bpWant{{9, "spec.template.spec.priorityClassName",
			`pod in namespace "shop" uses PriorityClass "system-node-critical", reserved to namespaces kube-system (spec.template.spec.priorityClassName)`}},
	}, {
		name: "system class in kube-system",
		doc:  doc("kube-system", "system-cluster-critical"),
	}, {
		name: "ordinary class",
		doc:  doc("shop", "high-priority"),
	}, {
		name:   "configured classes and namespaces",
		params: config.CheckParams{HighPriorityClasses: []string{"platform-*"}, PriorityClassNamespaces: []string{"platform-*", "kube-system"}},
		doc:    doc("shop", "platform-critical") + "---\n" + doc("platform-ingress", "platform-critical"),
		want: []bpWant{{9, "spec.template.spec.priorityClassName",
			`pod in namespace "shop" uses PriorityClass "platform-critical", reserved to namespaces platform-*, kube-system (spec.template.spec.priorityClassName)`}},
	}, {
		name: "no namespace: where it runs is unknown",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  priorityClassName: system-node-critical
  containers:
  - name: app
    image: app:1
`,
	}})
}
