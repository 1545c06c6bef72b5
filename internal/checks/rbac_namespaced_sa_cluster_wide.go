package checks

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

var rbacNamespacedSAClusterWide = Check{
	ID:       "rbac/namespaced-sa-cluster-wide",
	Title:    "ClusterRoleBinding grants a ServiceAccount rights in every namespace",
	Severity: finding.SeverityLow,
	Rationale: "A ServiceAccount lives in one namespace, and its token is in every pod that runs as it: a " +
		"ClusterRoleBinding makes a compromise of any of those pods a compromise of the same resources in every " +
		"namespace (Kubernetes docs, RBAC Good Practices, \"Use RoleBindings as opposed to ClusterRoleBindings to " +
		"give users rights only within a specific namespace\"; GKE RBAC best practices, \"Use the principle of " +
		"least privilege\"; EKS Best Practices Guide, Identity and Access Management, \"Employ least privileged " +
		"access\"). Not reported when the bound ClusterRole is in the input and grants only cluster-scoped " +
		"resources or nonResourceURLs, which no RoleBinding can grant, nor for system:auth-delegator " +
		"(tokenreviews and subjectaccessreviews).",
	Remediation: "# One RoleBinding per namespace the ServiceAccount must act in:\n" +
		"kind: RoleBinding\nmetadata:\n  name: app-reader\n  namespace: team-a\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n" +
		"  kind: ClusterRole\n  name: app-reader\nsubjects:\n- kind: ServiceAccount\n  name: app\n  namespace: app\n",
	Kinds: []string{"ClusterRoleBinding"},
	Run:   runRBACNamespacedSAClusterWide,
}

// clusterScoped lists the built-in cluster-scoped resources (by resource
// name, subresources included through their parent), which only a
// ClusterRoleBinding can grant. Unknown resources (CRDs) count as namespaced.
var clusterScoped = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range strings.Fields(`
		nodes namespaces persistentvolumes componentstatuses
		clusterroles clusterrolebindings customresourcedefinitions apiservices
		mutatingwebhookconfigurations validatingwebhookconfigurations
		validatingadmissionpolicies validatingadmissionpolicybindings
		mutatingadmissionpolicies mutatingadmissionpolicybindings
		certificatesigningrequests clustertrustbundles
		tokenreviews subjectaccessreviews selfsubjectaccessreviews selfsubjectrulesreviews selfsubjectreviews
		storageclasses csidrivers csinodes volumeattachments volumeattributesclasses
		priorityclasses runtimeclasses ingressclasses ipaddresses servicecidrs
		flowschemas prioritylevelconfigurations podsecuritypolicies deviceclasses resourceslices`) {
		m[r] = true
	}
	return m
}()

// namespacedResources returns the namespaced resources rules grant, in
// order, without duplicates; "*" counts as namespaced.
func namespacedResources(rules []rbacv1.PolicyRule) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range rules {
		for _, res := range r.Resources {
			base, _, _ := strings.Cut(res, "/")
			if clusterScoped[base] || seen[res] {
				continue
			}
			seen[res] = true
			out = append(out, res)
		}
	}
	return out
}

func runRBACNamespacedSAClusterWide(ctx *Context, o *Object) []Violation {
	b, ok := rbacBinding(o)
	if !ok || b.RoleRef.Kind != "ClusterRole" || b.RoleRef.Name == "system:auth-delegator" {
		return nil
	}
	what := ""
	if ctx.Inventory != nil {
		if rules, ok := ctx.Inventory.Role("ClusterRole", "", b.RoleRef.Name); ok {
			res := namespacedResources(rules)
			if len(res) == 0 {
				return nil
			}
			if len(res) > 3 {
				res = append(res[:3:3], "...")
			}
			what = " (" + strings.Join(res, ", ") + ")"
		}
	}
	var out []Violation
	for i, s := range b.Subjects {
		if s.Kind != rbacv1.ServiceAccountKind {
			continue
		}
		p := fmt.Sprintf("subjects[%d]", i)
		out = append(out, Violation{Path: p, Message: fmt.Sprintf("%s gets ClusterRole %q%s in every namespace; a RoleBinding per namespace would limit it (%s)",
			subjectName(s, ""), b.RoleRef.Name, what, p)})
	}
	return out
}
