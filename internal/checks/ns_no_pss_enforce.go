package checks

import (
	"fmt"

	"github.com/palisade-dev/palisade/internal/finding"
)

var nsNoPSSEnforce = Check{
	ID:       "ns/no-pss-enforce",
	Title:    "Namespace without a Pod Security enforce label",
	Severity: finding.SeverityMedium,
	Rationale: "Without a pod-security.kubernetes.io/enforce label, Pod Security Admission enforces the cluster's " +
		"default level on the namespace, which is privileged (no restriction) unless the API server's " +
		"AdmissionConfiguration sets another (Kubernetes docs, Pod Security Admission and \"Enforce Pod Security " +
		"Standards with Namespace Labels\"; GKE hardening guide, \"Restrict Pod creation with Pod Security " +
		"Admission\"; EKS Best Practices Guide, Pod Security). Label every namespace with the strictest level " +
		"its workloads pass: restricted, or baseline.",
	Remediation: "metadata:\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n    pod-security.kubernetes.io/enforce-version: latest\n",
	Kinds:       []string{"Namespace"},
	Run:         runNSNoPSSEnforce,
}

func runNSNoPSSEnforce(_ *Context, o *Object) []Violation {
	if !isCoreNamespace(o) {
		return nil
	}
	if _, ok := o.Labels[pssEnforceLabel]; ok {
		return nil
	}
	p := labelPath(pssEnforceLabel)
	return []Violation{{Path: p, Message: fmt.Sprintf("Namespace %q has no %s label: its pods are held to the cluster default, privileged unless configured (%s)",
		o.Name, pssEnforceLabel, p)}}
}
