package checks

import (
	"testing"

	"github.com/palisade-dev/palisade/internal/config"
)

func TestBPUntrustedRegistry(t *testing.T) {
	const doc = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  initContainers:
  - name: hub
    image: nginx:1.25
  containers:
  - name: ours
    image: registry.example.com/team/app:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  - name: acme
    image: ghcr.io/acme/tool:2
  - name: other
    image: ghcr.io/evil/tool:2
  - name: user
    image: someone/thing
`
	bpTable(t, "bp/untrusted-registry", []bpCase{{
		name: "silent without trustedRegistries",
		doc:  doc,
	}, {
		name:   "normalised names matched with their leading segments",
		params: config.CheckParams{TrustedRegistries: []string{"registry.example.com/*", "ghcr.io/acme", "docker.io/library/*"}},
		doc:    doc,
		want: []bpWant{
			{15, "spec.containers[2].image", `container "other" uses image "ghcr.io/evil/tool:2" (ghcr.io/evil/tool), which matches no trustedRegistries entry (spec.containers[2].image)`},
			{17, "spec.containers[3].image", `container "user" uses image "someone/thing" (docker.io/someone/thing), which matches no trustedRegistries entry (spec.containers[3].image)`},
		},
	}, {
		name:   "Docker Hub short names are not trusted by a bare name pattern",
		params: config.CheckParams{TrustedRegistries: []string{"nginx"}},
		doc: `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: web
    image: nginx
`,
		want: []bpWant{
			{8, "spec.containers[0].image", `container "web" uses image "nginx" (docker.io/library/nginx), which matches no trustedRegistries entry (spec.containers[0].image)`},
		},
	}})
}
