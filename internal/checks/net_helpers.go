package checks

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Helpers shared by the net/ checks.

// netAsNetworkPolicy converts o to a typed NetworkPolicy; ok is false for any
// other group or content that does not convert (the scan reports those).
func netAsNetworkPolicy(o *Object) (*networkingv1.NetworkPolicy, bool) {
	if o.APIVersion != "networking.k8s.io/v1" || o.Kind != "NetworkPolicy" {
		return nil, false
	}
	return As[networkingv1.NetworkPolicy](o)
}

// netAsService converts o to a typed core Service.
func netAsService(o *Object) (*corev1.Service, bool) {
	if o.APIVersion != "v1" || o.Kind != "Service" {
		return nil, false
	}
	return As[corev1.Service](o)
}

// policyTypes returns whether the policy applies to ingress and to egress,
// with the API server's defaulting: policyTypes omitted means Ingress, plus
// Egress when the policy has egress rules.
func netPolicyTypes(spec *networkingv1.NetworkPolicySpec) (ingress, egress bool) {
	if len(spec.PolicyTypes) == 0 {
		return true, len(spec.Egress) > 0
	}
	return slices.Contains(spec.PolicyTypes, networkingv1.PolicyTypeIngress),
		slices.Contains(spec.PolicyTypes, networkingv1.PolicyTypeEgress)
}

// netEmptySelector reports whether sel selects every pod of the namespace.
func netEmptySelector(sel metav1.LabelSelector) bool {
	return len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0
}

// netPortRange returns the numeric TCP range a NetworkPolicyPort opens:
// all is true when it names no port (every port of its protocol); ok is
// false for non-TCP protocols and for named ports, which resolve against
// the containers of pods and so never match a node or an address outside
// the cluster.
func netPortRange(p networkingv1.NetworkPolicyPort) (lo, hi int32, all, ok bool) {
	if p.Protocol != nil && *p.Protocol != corev1.ProtocolTCP {
		return 0, 0, false, false
	}
	if p.Port == nil {
		return 0, 0, true, true
	}
	if p.Port.Type == intstr.String { // a named port
		return 0, 0, false, false
	}
	lo, hi = p.Port.IntVal, p.Port.IntVal
	if p.EndPort != nil && *p.EndPort > hi {
		hi = *p.EndPort
	}
	return lo, hi, false, true
}

// netOpensTCP reports whether a rule's ports let TCP traffic to port through:
// no ports at all means every port.
func netOpensTCP(ports []networkingv1.NetworkPolicyPort, port int32) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		lo, hi, all, ok := netPortRange(p)
		if ok && (all || lo <= port && port <= hi) {
			return true
		}
	}
	return false
}

// netParseCIDR parses a CIDR as NetworkPolicy and Service fields hold it,
// masked; ok is false when it does not parse.
func netParseCIDR(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

// netIsWorld reports whether cidr is 0.0.0.0/0 or ::/0 (any spelling).
func netIsWorld(cidr string) bool {
	p, ok := netParseCIDR(cidr)
	return ok && p.Bits() == 0
}

// netFormatLabels prints pod labels sorted, as a selector would match them.
func netFormatLabels(m map[string]string) string {
	if len(m) == 0 {
		return "(none)"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%s", k, m[k])
	}
	return strings.Join(parts, ",")
}

// Ingress helpers read the generic content, so the same checks read
// networking.k8s.io/v1 and the removed v1beta1 versions, whose tls and rule
// hosts have the same shape.

var netIngressVersions = []string{"networking.k8s.io/v1", "networking.k8s.io/v1beta1", "extensions/v1beta1"}

func netIsIngress(o *Object) bool {
	return o.Kind == "Ingress" && slices.Contains(netIngressVersions, o.APIVersion)
}

func netIngressSpec(o *Object) map[string]any {
	spec, _ := o.Content["spec"].(map[string]any)
	return spec
}

// netIngressRuleHosts returns spec.rules[i].host by index ("" when unset).
func netIngressRuleHosts(o *Object) []string {
	rules, _ := netIngressSpec(o)["rules"].([]any)
	out := make([]string, len(rules))
	for i, r := range rules {
		if m, ok := r.(map[string]any); ok {
			out[i], _ = m["host"].(string)
		}
	}
	return out
}

// netIngressTLS returns the spec.tls entries' hosts; an entry without hosts is
// a nil slice.
func netIngressTLS(o *Object) [][]string {
	tls, _ := netIngressSpec(o)["tls"].([]any)
	out := make([][]string, len(tls))
	for i, t := range tls {
		m, _ := t.(map[string]any)
		hs, _ := m["hosts"].([]any)
		for _, h := range hs {
			if s, ok := h.(string); ok && s != "" {
				out[i] = append(out[i], s)
			}
		}
	}
	return out
}

// netTLSAnnotations configure TLS on an Ingress without spec.tls: certificates
// attached by the cloud load balancer (AWS Load Balancer Controller, GKE
// managed and pre-shared certificates).
var netTLSAnnotations = []string{
	"alb.ingress.kubernetes.io/certificate-arn",
	"networking.gke.io/managed-certificates",
	"ingress.gcp.kubernetes.io/pre-shared-cert",
}

// netIngressHasTLS reports whether the Ingress terminates TLS: spec.tls or a
// certificate annotation.
func netIngressHasTLS(o *Object) bool {
	if len(netIngressTLS(o)) > 0 {
		return true
	}
	for _, a := range netTLSAnnotations {
		if o.Annotations[a] != "" {
			return true
		}
	}
	return false
}

// netHostCovered reports whether a TLS host covers a rule host: equal
// (case-insensitively), or a wildcard "*.example.com" covering exactly one
// more label ("a.example.com", not "example.com" nor "a.b.example.com").
func netHostCovered(host, tlsHost string) bool {
	host, tlsHost = strings.ToLower(host), strings.ToLower(tlsHost)
	if host == tlsHost {
		return true
	}
	suffix, ok := strings.CutPrefix(tlsHost, "*.")
	if !ok {
		return false
	}
	label, rest, ok := strings.Cut(host, ".")
	return ok && label != "" && label != "*" && rest == suffix
}
