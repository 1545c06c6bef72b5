package detect

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

// Detections of changes that open the cluster up. Those that look into the
// object need it in the event: the audit policy must log these resources at
// Request or RequestResponse level; at Metadata level they stay silent.

var writeVerbs = []string{"create", "update", "patch"}

// fillName takes the object's name for creates, whose objectRef may lack it.
func fillName(v *view, name string) {
	if v.res.Name == "" {
		v.res.Name = name
	}
}

// audit/privileged-binding (Falco: Attach to cluster-admin Role; here also
// updates and patches, RoleBindings, and any binding that hands rights to
// a system group or the anonymous user).
func privilegedBinding() *rule {
	r := newRule("audit/privileged-binding", finding.SeverityCritical,
		"Binding to cluster-admin or to a system group created or changed",
		"A binding to cluster-admin gives full control of the cluster; a binding to system:authenticated, system:unauthenticated, system:serviceaccounts or system:anonymous gives its role to every user, every network peer or every workload at once.",
		"Delete the binding unless it is intended; grant narrow roles to named users or groups instead.")
	r.allow = Subjects{Users: []string{apiserver}}
	r.match = func(v *view) []string {
		if !v.succeeded || !(v.is("clusterrolebindings", writeVerbs...) || v.is("rolebindings", writeVerbs...)) {
			return nil
		}
		var b rbacv1.ClusterRoleBinding // RoleBinding has the same JSON shape
		if !v.object(&b) || b.RoleRef.Name == "" {
			return nil
		}
		fillName(v, b.Name)
		var why []string
		if b.RoleRef.Kind == "ClusterRole" && b.RoleRef.Name == "cluster-admin" {
			why = append(why, "to ClusterRole cluster-admin")
		}
		for _, s := range b.Subjects {
			if (s.Kind == rbacv1.GroupKind && strings.HasPrefix(s.Name, "system:") && s.Name != "system:masters") ||
				(s.Kind == rbacv1.UserKind && s.Name == "system:anonymous") {
				why = append(why, fmt.Sprintf("%s %q bound to %s %s", s.Kind, s.Name, b.RoleRef.Kind, b.RoleRef.Name))
			}
		}
		if len(why) == 0 {
			return nil
		}
		subjects := make([]string, len(b.Subjects))
		for i, s := range b.Subjects {
			subjects[i] = s.Kind + " " + strconv.Quote(s.Name)
		}
		return one(fmt.Sprintf("%s binding %s (subjects: %s)", v.ev.Verb, strings.Join(why, ", "), strings.Join(subjects, ", ")))
	}
	return r
}

// audit/webhook-config-change: admission webhooks and policies see (and,
// for mutating ones, rewrite) every object they match; changing them is a
// way to intercept secrets or to switch off policy.
func webhookConfigChange() *rule {
	r := newRule("audit/webhook-config-change", finding.SeverityHigh,
		"Admission webhook or policy configuration changed",
		"A mutating webhook can inject containers into every pod and receives every object it matches (secrets included); deleting or loosening a validating webhook or admission policy switches policy off.",
		"Review the change; restrict write access to admissionregistration.k8s.io; list the deploying identity in audit.allowedSubjects[\"audit/webhook-config-change\"].")
	resources := []string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations",
		"validatingadmissionpolicies", "validatingadmissionpolicybindings",
		"mutatingadmissionpolicies", "mutatingadmissionpolicybindings"}
	r.match = func(v *view) []string {
		if !v.succeeded || v.subresource != "" || !slices.Contains(resources, v.resource) {
			return nil
		}
		switch v.ev.Verb {
		case "create", "update", "patch", "delete", "deletecollection":
			return one(kindOf(v.resource) + " " + v.ev.Verb)
		}
		return nil
	}
	return r
}

// audit/kube-system-delete: deleting ConfigMaps or Secrets in kube-system
// breaks or reconfigures control-plane components (kubeadm-config,
// bootstrap tokens, extension-apiserver-authentication) or covers tracks.
func kubeSystemDelete() *rule {
	r := newRule("audit/kube-system-delete", finding.SeverityMedium,
		"ConfigMap or Secret deleted in kube-system",
		"kube-system holds the control plane's configuration and credentials; deleting them disrupts the cluster or removes evidence.",
		"Restrict delete in kube-system to cluster operators; list expected deleters in audit.allowedSubjects[\"audit/kube-system-delete\"].")
	r.allow = Subjects{Users: []string{controllerManager, kubeSystemSAs}}
	r.match = func(v *view) []string {
		if v.succeeded && v.res.Namespace == "kube-system" &&
			(v.is("configmaps", "delete", "deletecollection") || v.is("secrets", "delete", "deletecollection")) {
			return one(kindOf(v.resource) + " deleted in kube-system")
		}
		return nil
	}
	return r
}

// audit/disallowed-namespace (Falco: Create Disallowed Namespace): off
// until audit.allowedNamespaces is set.
func disallowedNamespace(cfg *Config) *rule {
	r := newRule("audit/disallowed-namespace", finding.SeverityLow,
		"Namespace created outside the allowed namespaces",
		"Where namespaces are provisioned by a known process, an unexpected one is unreviewed space for workloads, often without the Pod Security labels and quotas the others carry.",
		"Add it to audit.allowedNamespaces if expected; otherwise delete it.")
	r.enabled = len(cfg.AllowedNamespaces) > 0
	allowed := compileAll(cfg.AllowedNamespaces)
	r.allow = Subjects{Users: []string{apiserver}}
	r.match = func(v *view) []string {
		if !v.succeeded || !v.is("namespaces", "create") {
			return nil
		}
		var ns corev1.Namespace
		if v.object(&ns) {
			fillName(v, ns.Name)
		}
		if !allowed.any(v.res.Name) {
			return one("namespace " + strconv.Quote(v.res.Name) + " created outside audit.allowedNamespaces")
		}
		return nil
	}
	return r
}

// roleDefaults leave alone the API server's bootstrap policy (it creates
// and reconciles the system:* roles at every start) and the aggregation
// controller (it rewrites admin, edit and view).
var roleDefaults = Subjects{Users: []string{apiserver, controllerManager,
	"system:serviceaccount:kube-system:clusterrole-aggregation-controller"}}

// audit/system-role-change (Falco: System ClusterRole Modified/Deleted).
func systemRoleChange() *rule {
	r := newRule("audit/system-role-change", finding.SeverityMedium,
		"System role created, changed or deleted",
		"Roles named system:* define what the control plane, nodes and every authenticated user may do; widening one widens everyone it is bound to.",
		"Undo the change; the API server restores bootstrap roles with autoupdate unless that annotation was set to false.")
	r.allow = roleDefaults
	r.match = func(v *view) []string {
		if !v.succeeded || !(v.is("roles") || v.is("clusterroles")) || !strings.HasPrefix(v.res.Name, "system:") {
			return nil
		}
		switch v.res.Name {
		case "system:coredns", "system:managed-certificate-controller": // changed in normal operation
			return nil
		}
		switch v.ev.Verb {
		case "create", "update", "patch", "delete":
			return one(kindOf(v.resource) + " " + v.ev.Verb)
		}
		return nil
	}
	return r
}

// roleRules returns the rules of a created Role or ClusterRole.
func roleRules(v *view) ([]rbacv1.PolicyRule, bool) {
	if !v.succeeded || !(v.is("roles", "create") || v.is("clusterroles", "create")) {
		return nil, false
	}
	var role rbacv1.ClusterRole
	if !v.object(&role) {
		return nil, false
	}
	fillName(v, role.Name)
	return role.Rules, true
}

func roleRule(id string, sev finding.Severity, title, rationale, summary string, bad func(rbacv1.PolicyRule) bool) *rule {
	r := newRule(id, sev, title, rationale,
		"Grant the named verbs on the named resources the workload needs; list the deploying identity in audit.allowedSubjects[\""+id+"\"] if expected.")
	r.allow = roleDefaults
	r.match = func(v *view) []string {
		rules, ok := roleRules(v)
		if ok && slices.ContainsFunc(rules, bad) {
			return one(kindOf(v.resource) + " created " + summary)
		}
		return nil
	}
	return r
}

// audit/wildcard-role (Falco: ClusterRole With Wildcard Created).
func wildcardRole() *rule {
	return roleRule("audit/wildcard-role", finding.SeverityMedium,
		"Role with wildcard resources or verbs created",
		"A '*' grants what exists now and every resource or verb added later, including subresources such as pods/exec and secrets.",
		"with wildcard resources or verbs",
		func(p rbacv1.PolicyRule) bool {
			return slices.Contains(p.Resources, "*") || slices.Contains(p.Verbs, "*")
		})
}

// audit/exec-role (Falco: ClusterRole With Pod Exec Created).
func execRole() *rule {
	return roleRule("audit/exec-role", finding.SeverityMedium,
		"Role allowing pods/exec created",
		"pods/exec gives a shell in every matching container, with its credentials and mounted secrets.",
		"allowing pods/exec",
		func(p rbacv1.PolicyRule) bool { return slices.Contains(p.Resources, "pods/exec") })
}

// audit/write-role (Falco: ClusterRole With Write Privileges Created).
func writeRole() *rule {
	return roleRule("audit/write-role", finding.SeverityLow,
		"Role with write verbs created",
		"Write verbs change cluster state; a new role granting them is worth a look at who it is bound to.",
		"with write verbs",
		func(p rbacv1.PolicyRule) bool {
			return slices.ContainsFunc(p.Verbs, func(vb string) bool {
				switch vb {
				case "create", "update", "patch", "delete", "deletecollection":
					return true
				}
				return false
			})
		})
}

// audit/nodeport-service (Falco: Create NodePort Service).
func nodePortService() *rule {
	r := newRule("audit/nodeport-service", finding.SeverityLow,
		"NodePort Service created",
		"A NodePort opens the port on every node's address, outside ingress and load balancer controls.",
		"Use a ClusterIP Service behind an Ingress or a LoadBalancer with loadBalancerSourceRanges.")
	r.match = func(v *view) []string {
		// Objects are declared after the cheap checks: their address
		// escapes, and each declaration would cost a heap allocation per
		// event.
		if !v.succeeded || !v.is("services", "create") {
			return nil
		}
		var s corev1.Service
		if v.object(&s) && s.Spec.Type == corev1.ServiceTypeNodePort {
			fillName(v, s.Name)
			return one("NodePort Service created")
		}
		return nil
	}
	return r
}

// credentialWords are what Falco's rule looks for in a ConfigMap.
var credentialWords = []string{"aws_access_key_id", "aws-access-key-id", "aws_s3_access_key_id", "aws-s3-access-key-id", "password", "passphrase"}

// audit/configmap-credentials (Falco: Create/Modify Configmap With Private
// Credentials): keys or values naming credentials, which belong in Secrets.
func configMapCredentials() *rule {
	r := newRule("audit/configmap-credentials", finding.SeverityMedium,
		"ConfigMap with credentials created or changed",
		"ConfigMaps are readable by far more roles than Secrets (view includes them) and are not encrypted at rest.",
		"Move the credential to a Secret (or an external secret store) and rotate it.")
	r.match = func(v *view) []string {
		if !v.succeeded || !v.is("configmaps", writeVerbs...) {
			return nil
		}
		var cm corev1.ConfigMap
		if !v.object(&cm) {
			return nil
		}
		fillName(v, cm.Name)
		for _, k := range slices.Sorted(maps.Keys(cm.Data)) {
			text := strings.ToLower(k + "\n" + cm.Data[k])
			for _, w := range credentialWords {
				if strings.Contains(text, w) {
					return one(fmt.Sprintf("ConfigMap key %q looks like a credential (%s)", k, w))
				}
			}
		}
		return nil
	}
	return r
}

var kubeNamespaces = []string{"kube-system", "kube-public"}

// audit/pod-in-kube-namespace (Falco: Pod Created in Kube Namespace; Falco
// allows by image, palisade by subject: the controllers and kubelets that
// run the control plane's own pods).
func podInKubeNamespace() *rule {
	r := newRule("audit/pod-in-kube-namespace", finding.SeverityMedium,
		"Pod created in kube-system or kube-public",
		"Pods in kube-system run beside the control plane, usually with its privileges and exemptions from Pod Security; attackers hide there.",
		"Deploy workloads to their own namespaces; list the deploying identity in audit.allowedSubjects[\"audit/pod-in-kube-namespace\"].")
	r.allow = Subjects{Users: []string{controllerManager, kubeSystemSAs}, Groups: []string{nodes}}
	r.match = func(v *view) []string {
		if v.succeeded && v.is("pods", "create") && slices.Contains(kubeNamespaces, v.res.Namespace) {
			return one("pod created in " + v.res.Namespace)
		}
		return nil
	}
	return r
}

// audit/sa-in-kube-namespace (Falco: Service Account Created in Kube
// Namespace).
func serviceAccountInKubeNamespace() *rule {
	r := newRule("audit/sa-in-kube-namespace", finding.SeverityMedium,
		"ServiceAccount created in kube-system or kube-public",
		"A new identity in kube-system can be bound to control-plane roles and blend in with the controllers' own accounts.",
		"Create ServiceAccounts in the workload's namespace; list the deploying identity in audit.allowedSubjects[\"audit/sa-in-kube-namespace\"].")
	r.allow = Subjects{Users: []string{apiserver, controllerManager, kubeSystemSAs}}
	r.match = func(v *view) []string {
		if v.succeeded && v.is("serviceaccounts", "create") && slices.Contains(kubeNamespaces, v.res.Namespace) {
			return one("ServiceAccount created in " + v.res.Namespace)
		}
		return nil
	}
	return r
}

// audit/ingress-without-tls (Falco: Ingress Object without TLS Certificate
// Created).
func ingressWithoutTLS() *rule {
	r := newRule("audit/ingress-without-tls", finding.SeverityLow,
		"Ingress without TLS created",
		"Traffic to an Ingress without a tls section travels in clear text, credentials and cookies included.",
		"Add spec.tls with a certificate Secret (cert-manager can issue one).")
	r.match = func(v *view) []string {
		if !v.succeeded || !v.is("ingresses", "create") {
			return nil
		}
		var ing networkingv1.Ingress
		if v.object(&ing) && len(ing.Spec.TLS) == 0 {
			fillName(v, ing.Name)
			return one("Ingress created without TLS")
		}
		return nil
	}
	return r
}
