package cluster

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"text/tabwriter"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/pod-security-admission/api"
)

// MetadataEndpoint is the cloud instance metadata address (AWS, GCP,
// Azure, OpenStack, ...), which hands out node credentials to any pod that
// can reach it.
var MetadataEndpoint = netip.MustParseAddr("169.254.169.254")

// Posture is the security posture of one namespace.
type Posture struct {
	Namespace string `json:"namespace"`
	// PodSecurity maps each mode labelled on the namespace (enforce,
	// audit, warn) to "level:version" as the labels say (version "latest"
	// when only the level is labelled; an invalid value is kept as is).
	PodSecurity map[string]string `json:"podSecurity"`
	// Workloads counts the objects that run pods, each owner once
	// (every object with --all-objects).
	Workloads int `json:"workloads"`
	// Violating counts the workloads that fail each level, at the version
	// of the scan (--pss-version).
	Violating map[string]int `json:"violating"`
	// DefaultDenyIngress/Egress: a NetworkPolicy selecting every pod
	// isolates that direction and none re-opens it wholesale.
	DefaultDenyIngress bool `json:"defaultDenyIngress"`
	DefaultDenyEgress  bool `json:"defaultDenyEgress"`
	// MetadataEndpointBlocked: egress is isolated for every pod and no
	// egress rule lets TCP 80 reach 169.254.169.254.
	MetadataEndpointBlocked bool `json:"metadataEndpointBlocked"`
	// OpenLoadBalancers are the LoadBalancer Services reachable from any
	// address (no source ranges, or 0.0.0.0/0 or ::/0).
	OpenLoadBalancers []string `json:"openLoadBalancers"`
	// RBACFindings counts the unsuppressed findings on the namespace's
	// Roles, RoleBindings and ServiceAccounts.
	RBACFindings int `json:"rbacFindings"`
}

// podSecurityLabels reads the Pod Security labels of a namespace as set.
func podSecurityLabels(labels map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range []struct{ mode, level, version string }{
		{"enforce", api.EnforceLevelLabel, api.EnforceVersionLabel},
		{"audit", api.AuditLevelLabel, api.AuditVersionLabel},
		{"warn", api.WarnLevelLabel, api.WarnVersionLabel},
	} {
		level, ok := labels[m.level]
		if !ok {
			continue
		}
		v := labels[m.version]
		if v == "" {
			v = "latest"
		}
		out[m.mode] = level + ":" + v
	}
	return out
}

func selectsAll(np *networkingv1.NetworkPolicy) bool {
	s := np.Spec.PodSelector
	return len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0
}

// hasType applies the API's defaulting of policyTypes for objects that
// were not created through an API server.
func hasType(np *networkingv1.NetworkPolicy, t networkingv1.PolicyType) bool {
	if len(np.Spec.PolicyTypes) > 0 {
		return slices.Contains(np.Spec.PolicyTypes, t)
	}
	return t == networkingv1.PolicyTypeIngress || len(np.Spec.Egress) > 0
}

// DefaultDeny reports whether the policies isolate every pod in direction
// t and none of the policies that select every pod allows all traffic
// back in that direction (a rule with no peers and no ports).
func DefaultDeny(nps []*networkingv1.NetworkPolicy, t networkingv1.PolicyType) bool {
	isolated := false
	for _, np := range nps {
		if !selectsAll(np) || !hasType(np, t) {
			continue
		}
		isolated = true
		if t == networkingv1.PolicyTypeIngress {
			for _, r := range np.Spec.Ingress {
				if len(r.From) == 0 && len(r.Ports) == 0 {
					return false
				}
			}
		} else {
			for _, r := range np.Spec.Egress {
				if len(r.To) == 0 && len(r.Ports) == 0 {
					return false
				}
			}
		}
	}
	return isolated
}

// MetadataBlocked reports whether no pod of the namespace can reach the
// metadata endpoint over TCP 80: egress is isolated for every pod, and no
// egress rule of any policy allows that address and port. Pod and
// namespace selectors never match it (it is no pod address).
func MetadataBlocked(nps []*networkingv1.NetworkPolicy) bool {
	isolated := false
	for _, np := range nps {
		if !hasType(np, networkingv1.PolicyTypeEgress) {
			continue
		}
		isolated = isolated || selectsAll(np)
		for _, r := range np.Spec.Egress {
			if allowsPort80(r.Ports) && allowsMetadataPeer(r.To) {
				return false
			}
		}
	}
	return isolated
}

func allowsPort80(ports []networkingv1.NetworkPolicyPort) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		if p.Protocol != nil && *p.Protocol != corev1.ProtocolTCP {
			continue
		}
		switch {
		case p.Port == nil:
			return true
		case p.Port.Type != 0: // a named port: could be anything
			return true
		case p.EndPort != nil:
			if p.Port.IntVal <= 80 && 80 <= *p.EndPort {
				return true
			}
		case p.Port.IntVal == 80:
			return true
		}
	}
	return false
}

func allowsMetadataPeer(peers []networkingv1.NetworkPolicyPeer) bool {
	if len(peers) == 0 {
		return true
	}
	for _, p := range peers {
		if p.IPBlock == nil || !prefixContains(p.IPBlock.CIDR) {
			continue
		}
		excepted := false
		for _, e := range p.IPBlock.Except {
			excepted = excepted || prefixContains(e)
		}
		if !excepted {
			return true
		}
	}
	return false
}

func prefixContains(cidr string) bool {
	p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	return err == nil && p.Contains(MetadataEndpoint)
}

// SourceRangesAnnotation is the legacy way to restrict a LoadBalancer.
const SourceRangesAnnotation = "service.beta.kubernetes.io/load-balancer-source-ranges"

// OpenToWorld reports whether svc is a LoadBalancer that accepts traffic
// from any address.
func OpenToWorld(svc *corev1.Service) bool {
	if svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return false
	}
	ranges := svc.Spec.LoadBalancerSourceRanges
	if len(ranges) == 0 {
		for _, r := range strings.Split(svc.Annotations[SourceRangesAnnotation], ",") {
			if r = strings.TrimSpace(r); r != "" {
				ranges = append(ranges, r)
			}
		}
	}
	if len(ranges) == 0 {
		return true
	}
	for _, r := range ranges {
		if p, err := netip.ParsePrefix(strings.TrimSpace(r)); err == nil && p.Bits() == 0 {
			return true
		}
	}
	return false
}

// WritePostureTable prints the posture as an aligned text table.
func WritePostureTable(w io.Writer, ps []Posture) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAMESPACE\tENFORCE\tAUDIT\tWARN\tWORKLOADS\tFAIL BASELINE\tFAIL RESTRICTED\tDENY INGRESS\tDENY EGRESS\tMETADATA BLOCKED\tOPEN LBS\tRBAC FINDINGS")
	for _, p := range ps {
		dash := func(s string) string {
			if s == "" {
				return "-"
			}
			return s
		}
		lbs := "0"
		if n := len(p.OpenLoadBalancers); n > 0 {
			lbs = fmt.Sprintf("%d (%s)", n, strings.Join(p.OpenLoadBalancers, ", "))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%d\n",
			p.Namespace, dash(p.PodSecurity["enforce"]), dash(p.PodSecurity["audit"]), dash(p.PodSecurity["warn"]),
			p.Workloads, p.Violating[string(api.LevelBaseline)], p.Violating[string(api.LevelRestricted)],
			yesNo(p.DefaultDenyIngress), yesNo(p.DefaultDenyEgress), yesNo(p.MetadataEndpointBlocked),
			lbs, p.RBACFindings)
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
