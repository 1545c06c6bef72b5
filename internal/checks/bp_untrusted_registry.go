package checks

import (
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

var bpUntrustedRegistry = Check{
	ID:       "bp/untrusted-registry",
	Title:    "Image not from a trusted registry",
	Severity: finding.SeverityMedium,
	Rationale: "Images from registries the organisation does not control or vet can carry anything, and are not " +
		"covered by its scanning and signing (GKE docs: Binary Authorization; CIS Kubernetes " +
		"Benchmark 5.5.1, \"Configure Image Provenance using ImagePolicyWebhook admission controller\"; Kubernetes docs: " +
		"Security checklist, Images). Silent until checks.trustedRegistries in .palisade.yaml is set. Each glob (path.Match) is " +
		"matched against the image's normalised name without tag or digest (\"nginx\" is docker.io/library/nginx, " +
		"\"foo/bar\" is docker.io/foo/bar) and against each of its leading path segments, so \"registry.example.com\" " +
		"and \"registry.example.com/*\" trust every repository below it.",
	Remediation: "containers:\n- name: app\n  image: registry.example.com/app:1.4.2  # mirrored into a registry listed in trustedRegistries\n",
	Workloads:   true,
	Run: func(ctx *Context, o *Object) []Violation {
		trusted := ctx.Params.TrustedRegistries
		if len(trusted) == 0 {
			return nil
		}
		var out []Violation
		for _, c := range Containers(o.Workload) {
			if !bpImageValid(c.Image) {
				continue
			}
			if name := bpParseImage(c.Image).Name; !bpTrustedImage(trusted, name) {
				out = append(out, bpContainerViolation(c, ".image",
					"uses image %q (%s), which matches no trustedRegistries entry", c.Image, name))
			}
		}
		return out
	},
}

// bpTrustedImage reports whether a pattern matches name or one of its
// leading path segments ("a.io/x/y" is tried as "a.io/x/y", "a.io/x", "a.io").
func bpTrustedImage(patterns []string, name string) bool {
	for p := name; p != ""; {
		if Glob(patterns, p) {
			return true
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return false
}
