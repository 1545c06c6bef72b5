package checks

import (
	"fmt"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

var nsPrivilegedEnforce = Check{
	ID:       "ns/privileged-enforce",
	Title:    "Namespace enforces the privileged Pod Security level without a reason",
	Severity: finding.SeverityMedium,
	Rationale: "pod-security.kubernetes.io/enforce: privileged turns Pod Security Admission off for the " +
		"namespace: privileged containers, host namespaces and hostPath volumes are all admitted (Kubernetes docs, " +
		"Pod Security Standards, \"Privileged\" is for system- and infrastructure-level workloads managed by " +
		"trusted users; GKE hardening guide, \"Restrict Pod creation with Pod Security Admission\"). Some " +
		"namespaces need it (CNI, CSI, node agents): say why in the annotation palisade.dev/privileged-reason, " +
		"and this check is satisfied; the reason is then kept with the namespace for reviewers.",
	Remediation: "metadata:\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n" +
		"# or, where privileged pods are needed:\n#  annotations:\n#    palisade.dev/privileged-reason: \"CSI node plugin needs privileged mounts\"\n",
	Kinds: []string{"Namespace"},
	Run:   runNSPrivilegedEnforce,
}

func runNSPrivilegedEnforce(_ *Context, o *Object) []Violation {
	if !isCoreNamespace(o) || o.Labels[pssEnforceLabel] != "privileged" {
		return nil
	}
	if strings.TrimSpace(o.Annotations[privilegedReasonAnnotation]) != "" {
		return nil
	}
	p := labelPath(pssEnforceLabel)
	return []Violation{{Path: p, Message: fmt.Sprintf("Namespace %q enforces the privileged level, which admits any pod, and gives no %s annotation saying why (%s)",
		o.Name, privilegedReasonAnnotation, p)}}
}
