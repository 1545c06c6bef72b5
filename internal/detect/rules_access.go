package detect

import (
	"strconv"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

// Detections of access: who reaches into pods, secrets, nodes and
// credentials.

// audit/pod-exec (Falco: Attach/Exec Pod, port-forward). Reported once the
// authorizer allowed it, even if the connection then failed (no kubelet,
// container gone): the attempt with the right to do it is what matters.
func podExec() *rule {
	r := newRule("audit/pod-exec", finding.SeverityMedium,
		"Exec, attach or port-forward into a pod",
		"A shell or an attach in a running container bypasses the image, the deployment pipeline and its review; port-forward opens a tunnel past network policy. Attackers with stolen credentials do all three.",
		"Grant pods/exec, pods/attach and pods/portforward only to break-glass roles; use ephemeral debug containers and logs instead; list the expected operators in audit.allowedSubjects.")
	r.match = func(v *view) []string {
		if !v.authorized || v.ev.ObjectRef == nil || v.ev.ObjectRef.Resource != "pods" {
			return nil
		}
		switch v.subresource {
		case "exec":
			cmd := strings.Join(v.query("command"), " ")
			if c := v.query("container"); len(c) > 0 {
				return one("exec into container " + strconv.Quote(c[0]) + " of a pod (command " + strconv.Quote(cmd) + ")")
			}
			return one("exec into a pod (command " + strconv.Quote(cmd) + ")")
		case "attach":
			return one("attach to a pod")
		case "portforward":
			return one("port-forward to a pod")
		}
		return nil
	}
	return r
}

// audit/ephemeral-container (Falco: EphemeralContainers Created).
func ephemeralContainer() *rule {
	r := newRule("audit/ephemeral-container", finding.SeverityMedium,
		"Ephemeral container added to a pod",
		"An ephemeral (debug) container runs any image inside a running pod's namespaces, with access to its processes, network and volumes.",
		"Allow pods/ephemeralcontainers only to break-glass roles; list the expected operators in audit.allowedSubjects.")
	r.match = func(v *view) []string {
		if v.succeeded && v.is("pods/ephemeralcontainers", "update", "patch") {
			return one("ephemeral container added to a pod")
		}
		return nil
	}
	return r
}

// audit/secret-read (Falco: K8s Secret Get Successfully; here also list and
// watch, which return every secret of a namespace at once).
func secretRead() *rule {
	r := newRule("audit/secret-read", finding.SeverityMedium,
		"Secret read by a user that is not a controller",
		"Secrets hold credentials; reading them is how one stolen identity becomes many. Controllers and kubelets read them as part of their job, people and workloads rarely need to.",
		"Remove get/list/watch on secrets from roles that do not need them; mount secrets into pods instead of reading them through the API; list expected readers in audit.allowedSubjects[\"audit/secret-read\"].")
	r.allow = Subjects{Users: []string{apiserver, controllerManager, "system:kube-scheduler", kubeSystemSAs}, Groups: []string{nodes}}
	r.match = func(v *view) []string {
		if v.succeeded && v.authorized && v.is("secrets", "get", "list", "watch") {
			return one("secret " + v.ev.Verb)
		}
		return nil
	}
	return r
}

// audit/anonymous-allowed (Falco: Anonymous Request Allowed, which also
// leaves out the health endpoints that load balancers probe).
func anonymousAllowed() *rule {
	r := newRule("audit/anonymous-allowed", finding.SeverityHigh,
		"Request by an unauthenticated user was allowed",
		"With --anonymous-auth on, any network peer is system:anonymous in group system:unauthenticated; every right granted to them (beyond health checks) is granted to the whole network (CIS 1.2.1).",
		"Set --anonymous-auth=false (or an AuthenticationConfiguration limiting anonymous to health paths) and remove RoleBindings/ClusterRoleBindings to system:anonymous and system:unauthenticated.")
	r.match = func(v *view) []string {
		if !v.authorized || (v.user != "system:anonymous" && !v.inGroup("system:unauthenticated")) {
			return nil
		}
		if v.healthCheck() {
			return nil
		}
		return one("request by an unauthenticated user allowed")
	}
	return r
}

// audit/token-request: TokenRequest for a ServiceAccount by someone other
// than a kubelet or the controller manager. Kubelets mint the projected
// tokens of the pods they run; a person or a workload minting tokens for a
// ServiceAccount is borrowing its identity.
func tokenRequest() *rule {
	r := newRule("audit/token-request", finding.SeverityMedium,
		"ServiceAccount token requested by an unusual user",
		"A token minted through serviceaccounts/token carries the ServiceAccount's rights for as long as it lives, and nothing in the cluster shows who holds it.",
		"Restrict create on serviceaccounts/token; prefer short-lived projected tokens mounted by the kubelet; list legitimate token minters in audit.allowedSubjects[\"audit/token-request\"].")
	r.allow = Subjects{Users: []string{controllerManager, kubeSystemSAs}, Groups: []string{nodes}}
	r.match = func(v *view) []string {
		if v.succeeded && v.authorized && v.is("serviceaccounts/token", "create") {
			return one("ServiceAccount token requested")
		}
		return nil
	}
	return r
}

// audit/csr-approval: a CertificateSigningRequest approved (or denied) by
// someone other than the controller manager's approver. An approved CSR
// for the kube-apiserver-client signer is a client certificate that cannot
// be revoked.
func csrApproval() *rule {
	r := newRule("audit/csr-approval", finding.SeverityHigh,
		"CertificateSigningRequest approved by an unusual user",
		"Approving a CSR issues a certificate: for the kube-apiserver-client signer, a credential for any user name or group (system:masters included) that lives until it expires and cannot be revoked.",
		"Restrict update on certificatesigningrequests/approval and the approve verb on signers; list legitimate approvers in audit.allowedSubjects[\"audit/csr-approval\"].")
	r.allow = Subjects{Users: []string{controllerManager, "system:serviceaccount:kube-system:certificate-controller"}}
	r.match = func(v *view) []string {
		if v.succeeded && v.authorized && v.is("certificatesigningrequests/approval", "update", "patch") {
			return one("CertificateSigningRequest approval changed")
		}
		return nil
	}
	return r
}

// audit/node-proxy: nodes/proxy reaches the kubelet API (exec, logs,
// pods of every namespace), where the API server's audit and admission no
// longer see what is done.
func nodeProxy() *rule {
	r := newRule("audit/node-proxy", finding.SeverityHigh,
		"Kubelet API reached through nodes/proxy",
		"nodes/proxy forwards to the kubelet's API, which runs commands in any container of the node; what is done there is neither admitted nor audited by the API server.",
		"Remove nodes/proxy from roles (monitoring should use nodes/metrics); list expected callers in audit.allowedSubjects[\"audit/node-proxy\"].")
	r.match = func(v *view) []string {
		if v.authorized && v.is("nodes/proxy") {
			return one("kubelet API reached through nodes/proxy")
		}
		return nil
	}
	return r
}

// audit/disallowed-user (Falco: Disallowed K8s User): any request by a
// non-system user outside audit.allowedUsers. Off until that list is set,
// since no default list can fit every cluster.
func disallowedUser(cfg *Config) *rule {
	r := newRule("audit/disallowed-user", finding.SeverityMedium,
		"Request by a user outside the allowed users",
		"In a cluster whose human and automation users are known, any other name is a new credential: a leaked kubeconfig, an unexpected identity provider group, a token minted elsewhere.",
		"Add the user to audit.allowedUsers if expected; otherwise revoke the credential.")
	r.enabled = len(cfg.AllowedUsers) > 0
	allowed := compileAll(cfg.AllowedUsers)
	r.match = func(v *view) []string {
		if v.user == "" || strings.HasPrefix(v.user, "system:") || allowed.any(v.user) {
			return nil
		}
		return one("request by a user outside audit.allowedUsers")
	}
	return r
}
