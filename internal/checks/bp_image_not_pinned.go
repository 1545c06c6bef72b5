package checks

import (
	"github.com/palisade-dev/palisade/internal/finding"
)

var bpImageNotPinned = Check{
	ID:       "bp/image-not-pinned",
	Title:    "Image not pinned by digest",
	Severity: finding.SeverityLow,
	Rationale: "A tag is mutable: whoever can push to the repository can change what a tag runs without any change to " +
		"the manifest. A digest names exactly one image (Kubernetes docs: Security checklist, Images, \"References to " +
		"container images are made by sha256 digests (rather than tags)\"; Kubernetes docs: Images, \"Image names\").",
	Remediation: "containers:\n- name: app\n  image: registry.example.com/app:1.4.2@sha256:" +
		"0d0f2b6b2e4c2f5a3b5b1a4c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e\n",
	Workloads: true,
	Run: func(_ *Context, o *Object) []Violation {
		var out []Violation
		for _, c := range Containers(o.Workload) {
			if bpImageValid(c.Image) && bpParseImage(c.Image).Digest == "" {
				out = append(out, bpContainerViolation(c, ".image", "uses image %q, which is not pinned by digest (@sha256:...)", c.Image))
			}
		}
		return out
	},
}
