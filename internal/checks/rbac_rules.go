package checks

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// Helpers shared by the rbac/ checks.
//
// The rule checks (rbac/secrets-read-cluster-wide, rbac/escalation-verbs,
// rbac/pod-exec-and-proxy, rbac/webhook-config-write) fire only when a rule
// names what they look for: a grant that comes only from a bare "*" in the
// field that defines the check (resources for the resource checks, verbs for
// rbac/escalation-verbs) is rbac/wildcard's finding, so a cluster-admin-like
// rule (`*` everywhere) raises the three rbac/wildcard findings, not seven.
// A "*" in the other fields does count: `verbs: ["*"]` on `pods/exec` is a
// rbac/pod-exec-and-proxy finding (and a rbac/wildcard one).
//
// Kubernetes' own default roles (a built-in name and the label
// kubernetes.io/bootstrapping: rbac-defaults, as in a dump of a cluster) are
// not judged by the rule checks: the API server recreates them, so their
// users cannot act on such findings.

const rbacAPIVersion = "rbac.authorization.k8s.io/v1"

// rbacRole returns the typed Role or ClusterRole o (a Role converts to the
// ClusterRole type, without aggregationRule), or false when o is not an
// rbac.authorization.k8s.io/v1 role or does not convert.
func rbacRole(o *Object) (*rbacv1.ClusterRole, bool) {
	if o.APIVersion != rbacAPIVersion || (o.Kind != "Role" && o.Kind != "ClusterRole") || o.Content == nil {
		return nil, false
	}
	if o.Labels["kubernetes.io/bootstrapping"] == "rbac-defaults" && builtinRole(o.Kind, o.Namespace, o.Name) {
		return nil, false
	}
	return As[rbacv1.ClusterRole](o)
}

// rbacBinding returns the typed RoleBinding or ClusterRoleBinding o (same
// shape), or false when o is not an rbac.authorization.k8s.io/v1 binding or
// does not convert.
func rbacBinding(o *Object) (*rbacv1.RoleBinding, bool) {
	if o.APIVersion != rbacAPIVersion || (o.Kind != "RoleBinding" && o.Kind != "ClusterRoleBinding") || o.Content == nil {
		return nil, false
	}
	return As[rbacv1.RoleBinding](o)
}

// hasGroup reports whether the rule's apiGroups cover group ("" is core).
func hasGroup(r rbacv1.PolicyRule, group string) bool {
	return slices.Contains(r.APIGroups, group) || slices.Contains(r.APIGroups, rbacv1.APIGroupAll)
}

// grantedVerbs returns the verbs of want that the rule grants, "*" included;
// "*" itself is returned as the only element when the rule holds it.
func grantedVerbs(r rbacv1.PolicyRule, want ...string) []string {
	if slices.Contains(r.Verbs, rbacv1.VerbAll) {
		return []string{rbacv1.VerbAll}
	}
	var out []string
	for _, v := range r.Verbs {
		if slices.Contains(want, v) && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// namedResource returns the index in r.Resources of the first entry that
// names resource explicitly: the resource itself, or "*/<subresource>" for a
// subresource ("*/exec" covers pods/exec, as the RBAC authorizer matches
// it). A bare "*" does not count (see the package note above). -1 when none.
func namedResource(r rbacv1.PolicyRule, resource string) int {
	_, sub, isSub := strings.Cut(resource, "/")
	for i, res := range r.Resources {
		if res == resource || (isSub && res == "*/"+sub) {
			return i
		}
	}
	return -1
}

// verbList prints granted verbs for messages: `get, list` or `every verb ("*")`.
func verbList(vs []string) string {
	if len(vs) == 1 && vs[0] == rbacv1.VerbAll {
		return `every verb ("*")`
	}
	return strings.Join(vs, ", ")
}

// roleName names a role in messages: `ClusterRole "x"` or `Role "ns/x"`.
func roleName(kind, ns, name string) string {
	if kind == "Role" && ns != "" {
		return fmt.Sprintf("%s %q", kind, ns+"/"+name)
	}
	return fmt.Sprintf("%s %q", kind, name)
}

// subjectName names a binding subject in messages: `ServiceAccount
// "ns/name"`, `Group "name"`. bindingNS fills a ServiceAccount's missing
// namespace, as the API server does for RoleBindings.
func subjectName(s rbacv1.Subject, bindingNS string) string {
	if s.Kind == rbacv1.ServiceAccountKind {
		ns := s.Namespace
		if ns == "" {
			ns = bindingNS
		}
		if ns != "" {
			return fmt.Sprintf("%s %q", s.Kind, ns+"/"+s.Name)
		}
	}
	return fmt.Sprintf("%s %q", s.Kind, s.Name)
}

// grantScope says where a binding grants its role, for messages.
func grantScope(o *Object) string {
	if o.Kind == "ClusterRoleBinding" {
		return "in every namespace"
	}
	if o.Namespace == "" {
		return "in the binding's namespace"
	}
	return fmt.Sprintf("in namespace %q", o.Namespace)
}

// rulePath is the path of entry j of field of rule i: rules[1].verbs[0].
func rulePath(i int, field string, j int) string {
	return fmt.Sprintf("rules[%d].%s[%d]", i, field, j)
}

// builtinRole reports whether a role of that kind, namespace and name is one
// every cluster has: the user-facing ClusterRoles cluster-admin, admin, edit
// and view, the system: roles the API server keeps, and the Role
// kube-system/extension-apiserver-authentication-reader.
func builtinRole(kind, ns, name string) bool {
	if strings.HasPrefix(name, "system:") {
		return true
	}
	if kind == "Role" {
		return ns == "kube-system" && name == "extension-apiserver-authentication-reader"
	}
	switch name {
	case "cluster-admin", "admin", "edit", "view":
		return true
	}
	return false
}
