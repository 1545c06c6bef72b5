package checks

import (
	"github.com/palisade-dev/palisade/internal/finding"
)

var bpImageLatest = Check{
	ID:       "bp/image-latest",
	Title:    "Image uses the latest tag or no tag",
	Severity: finding.SeverityMedium,
	Rationale: "An image with the :latest tag, or with no tag (which means :latest), can change under the same " +
		"manifest: what runs is neither reviewed nor reproducible, and a rollback does not roll back " +
		"(Kubernetes docs: Configuration Best Practices, Container Images, \"avoid using the :latest tag when " +
		"deploying containers in production\"; " +
		"EKS Best Practices Guide, Security: Image security, \"Use immutable tags with ECR\"). An image pinned by " +
		"digest is not reported, whatever its tag.",
	Remediation: "containers:\n- name: app\n  image: registry.example.com/app:1.4.2\n",
	Workloads:   true,
	Run: func(_ *Context, o *Object) []Violation {
		var out []Violation
		for _, c := range Containers(o.Workload) {
			if !bpImageValid(c.Image) {
				continue
			}
			switch r := bpParseImage(c.Image); {
			case r.Digest != "":
			case r.Tag == "":
				out = append(out, bpContainerViolation(c, ".image", "uses image %q with no tag, which means :latest", c.Image))
			case r.Tag == "latest":
				out = append(out, bpContainerViolation(c, ".image", "uses image %q with the :latest tag", c.Image))
			}
		}
		return out
	},
}
