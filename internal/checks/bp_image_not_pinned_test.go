package checks

import "testing"

func TestBPImageNotPinned(t *testing.T) {
	bpTable(t, "bp/image-not-pinned", []bpCase{{
		name: "tag only, digest, placeholder",
		doc: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: tagged
        image: ghcr.io/acme/app:1.4.2
      - name: pinned
        image: ghcr.io/acme/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
      - name: empty
`,
		want: []bpWant{
			{10, "spec.template.spec.containers[0].image", `container "tagged" uses image "ghcr.io/acme/app:1.4.2", which is not pinned by digest (@sha256:...) (spec.template.spec.containers[0].image)`},
		},
	}})
}
