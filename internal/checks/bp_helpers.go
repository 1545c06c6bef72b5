package checks

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Helpers shared by the bp/ workload checks.

// bpContainerViolation is a violation on field suffix of container c (suffix
// starts with "."); the message is `<container> <text> (<full path>)`.
func bpContainerViolation(c Container, suffix, format string, args ...any) Violation {
	p := c.Path + suffix
	return Violation{Path: p, Message: fmt.Sprintf("%s %s (%s)", c.Describe(), fmt.Sprintf(format, args...), p)}
}

// bpPodViolation is a violation on field of the pod spec of o; the message is
// `<text> (<full path>)`.
func bpPodViolation(o *Object, field, format string, args ...any) Violation {
	p := o.Workload.SpecPrefix + "." + field
	return Violation{Path: p, Message: fmt.Sprintf("%s (%s)", fmt.Sprintf(format, args...), p)}
}

// bpResourceContainers are the containers that can set resources: ephemeral
// containers cannot (the API server rejects resources on them).
func bpResourceContainers(o *Object) []Container {
	var out []Container
	for _, c := range Containers(o.Workload) {
		if c.Kind != "ephemeral container" {
			out = append(out, c)
		}
	}
	return out
}

// bpImageRef is a container image reference split into its parts.
type bpImageRef struct {
	// Name is the normalised registry and repository, without tag or
	// digest: "nginx" is "docker.io/library/nginx", "foo/bar" is
	// "docker.io/foo/bar", as the container runtimes resolve them.
	Name   string
	Tag    string // "" when absent
	Digest string // "sha256:..." or "" when absent
}

// bpImageRE is the grammar of github.com/distribution/reference (the
// reference the kubelet hands to the runtime): [domain[:port]/]path[:tag][@digest].
var bpImageRE = regexp.MustCompile(`^` +
	`(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/|\[[a-fA-F0-9:]+\](?::[0-9]+)?/)?` +
	`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*` +
	`(?::[\w][\w.-]{0,127})?` +
	`(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`)

// bpImageValid reports whether ref is a well-formed image reference. The
// image checks skip the others ("{IMAGE}" placeholders of templates, left
// for the user's build to fill): what they would run cannot be judged.
func bpImageValid(ref string) bool { return bpImageRE.MatchString(ref) }

// bpParseImage splits ref as the distribution reference grammar does:
// [domain[:port]/]path[:tag][@digest]. The first path component is a
// domain when it holds a "." or ":" or is "localhost"; otherwise the image
// is on Docker Hub, and a one-component path is under "library/".
func bpParseImage(ref string) bpImageRef {
	var r bpImageRef
	ref = strings.TrimSpace(ref)
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref, r.Digest = ref[:i], ref[i+1:]
	}
	// A tag follows the last ':' after the last '/' (a ':' before the
	// last '/' is a registry port).
	if i := strings.LastIndexByte(ref, ':'); i >= 0 && i > strings.LastIndexByte(ref, '/') {
		ref, r.Tag = ref[:i], ref[i+1:]
	}
	domain, rest, found := strings.Cut(ref, "/")
	if !found || !(strings.ContainsAny(domain, ".:") || domain == "localhost") {
		domain, rest = "docker.io", ref
	}
	domain = strings.ToLower(domain)
	if domain == "index.docker.io" || domain == "registry-1.docker.io" {
		domain = "docker.io"
	}
	if domain == "docker.io" && !strings.Contains(rest, "/") {
		rest = "library/" + rest
	}
	r.Name = domain + "/" + rest
	return r
}

// bpCapName normalises a capability name as the container runtimes do:
// upper case, without the "CAP_" prefix.
func bpCapName(s string) string {
	return strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "CAP_")
}

// bpIsWindows reports whether the pod declares spec.os.name: windows, where
// the API server forbids the Linux-only securityContext fields
// (readOnlyRootFilesystem, capabilities, ...).
func bpIsWindows(o *Object) bool {
	return o.Workload.Spec.OS != nil && o.Workload.Spec.OS.Name == "windows"
}

// bpServiceAccountName is the ServiceAccount the pod runs as: serviceAccountName,
// else its deprecated alias serviceAccount, else "default"; field is the
// pod spec field that names it ("" when neither is set).
func bpServiceAccountName(o *Object) (name, field string) {
	s := o.Workload.Spec
	switch {
	case s.ServiceAccountName != "":
		return s.ServiceAccountName, "serviceAccountName"
	case s.DeprecatedServiceAccount != "":
		return s.DeprecatedServiceAccount, "serviceAccount"
	}
	return "default", ""
}

// bpServiceAccountBound reports whether a RoleBinding or ClusterRoleBinding of
// the input names the ServiceAccount ns/name as a subject, to a role that
// grants API access. Bindings to groups (system:serviceaccounts...) say
// nothing about one pod, and a role of the input that only grants "use" (of
// a PodSecurityPolicy or SecurityContextConstraints) grants no API call; a
// role not in the input is assumed to grant some. An empty ns (an object
// that names no namespace) matches any namespace.
func bpServiceAccountBound(ctx *Context, ns, name string) bool {
	inv := ctx.Inventory
	if inv == nil {
		return false
	}
	for _, b := range inv.ServiceAccountBindings(name) {
		for _, s := range b.Subjects {
			subjNS := s.Namespace
			if subjNS == "" && b.Kind == "RoleBinding" {
				subjNS = b.Namespace
			}
			if s.Kind != "ServiceAccount" || s.Name != name || (ns != "" && subjNS != "" && subjNS != ns) {
				continue
			}
			roleNS := ""
			if b.RoleRef.Kind == "Role" {
				roleNS = b.Namespace
			}
			rules, ok := inv.Role(b.RoleRef.Kind, roleNS, b.RoleRef.Name)
			if !ok {
				return true
			}
			for _, r := range rules {
				if slices.ContainsFunc(r.Verbs, func(v string) bool { return v != "use" }) {
					return true
				}
			}
		}
	}
	return false
}
