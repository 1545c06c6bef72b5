package checks

import "testing"

func TestNSPrivilegedEnforce(t *testing.T) {
	runCases(t, "ns/privileged-enforce", []checkCase{
		{name: "privileged, no reason; blank reason", doc: `apiVersion: v1
kind: Namespace
metadata:
  name: app
  labels:
    team: shop
    pod-security.kubernetes.io/enforce: privileged
---
apiVersion: v1
kind: Namespace
metadata:
  name: blank
  labels: {pod-security.kubernetes.io/enforce: privileged}
  annotations: {palisade.dev/privileged-reason: "  "}
`, want: []found{
			{"Namespace", "app", "metadata.labels[pod-security.kubernetes.io/enforce]", 7, `Namespace "app" enforces the privileged level, which admits any pod, and gives no palisade.dev/privileged-reason annotation saying why (metadata.labels[pod-security.kubernetes.io/enforce])`},
			{"Namespace", "blank", "metadata.labels[pod-security.kubernetes.io/enforce]", 13, `Namespace "blank" enforces the privileged level, which admits any pod, and gives no palisade.dev/privileged-reason annotation saying why (metadata.labels[pod-security.kubernetes.io/enforce])`},
		}},
		{name: "not reported: with reason, other levels, audit/warn privileged", doc: `apiVersion: v1
kind: Namespace
metadata:
  name: cni
  labels: {pod-security.kubernetes.io/enforce: privileged}
  annotations: {palisade.dev/privileged-reason: CNI agent configures host networking}
---
apiVersion: v1
kind: Namespace
metadata:
  name: app
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/warn: privileged
`},
	})
}
