package checks

import "testing"

func TestBPImageLatest(t *testing.T) {
	bpTable(t, "bp/image-latest", []bpCase{{
		name: "no tag, latest, pinned, tagged, placeholder",
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  initContainers:
  - name: init
    image: busybox
  containers:
  - name: latest
    image: registry.example.com:5000/app:latest
  - name: pinned
    image: nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  - name: tagged
    image: nginx:1.25
  - name: placeholder
    image: "{IMAGE}"
  ephemeralContainers:
  - name: debug
    image: localhost:5000/debug
`,
		want: []bpWant{
			{8, "spec.initContainers[0].image", `init container "init" uses image "busybox" with no tag, which means :latest (spec.initContainers[0].image)`},
			{11, "spec.containers[0].image", `container "latest" uses image "registry.example.com:5000/app:latest" with the :latest tag (spec.containers[0].image)`},
			{20, "spec.ephemeralContainers[0].image", `ephemeral container "debug" uses image "localhost:5000/debug" with no tag, which means :latest (spec.ephemeralContainers[0].image)`},
		},
	}})
}
