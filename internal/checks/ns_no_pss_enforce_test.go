package checks

import "testing"

func TestNSNoPSSEnforce(t *testing.T) {
	runCases(t, "ns/no-pss-enforce", []checkCase{
		{name: "labels without enforce", doc: `apiVersion: v1
kind: Namespace
metadata:
  name: app
  labels:
    pod-security.kubernetes.io/warn: restricted
`, want: []found{
			{"Namespace", "app", "metadata.labels[pod-security.kubernetes.io/enforce]", 5, `Namespace "app" has no pod-security.kubernetes.io/enforce label: its pods are held to the cluster default, privileged unless configured (metadata.labels[pod-security.kubernetes.io/enforce])`},
		}},
		{name: "no labels", doc: `apiVersion: v1
kind: Namespace
metadata:
  name: app
`, want: []found{
			{"Namespace", "app", "metadata.labels[pod-security.kubernetes.io/enforce]", 3, `Namespace "app" has no pod-security.kubernetes.io/enforce label: its pods are held to the cluster default, privileged unless configured (metadata.labels[pod-security.kubernetes.io/enforce])`},
		}},
		{name: "not reported: enforce set (any value), not a core Namespace", doc: `apiVersion: v1
kind: Namespace
metadata:
  name: a
  labels: {pod-security.kubernetes.io/enforce: baseline}
---
apiVersion: v1
kind: Namespace
metadata:
  name: b
  labels: {pod-security.kubernetes.io/enforce: privileged}
---
apiVersion: example.com/v1
kind: Namespace
metadata:
  name: c
`},
	})
}
