package cluster

import (
	"bytes"
	"maps"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

func netpols(t *testing.T, docs ...string) []*networkingv1.NetworkPolicy {
	t.Helper()
	var out []*networkingv1.NetworkPolicy
	for _, d := range docs {
		np := &networkingv1.NetworkPolicy{}
		if err := yaml.UnmarshalStrict([]byte(d), &np.Spec); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		out = append(out, np)
	}
	return out
}

func TestNetworkPosture(t *testing.T) {
	const (
		denyIn      = `{podSelector: {}, policyTypes: [Ingress]}`
		denyOut     = `{podSelector: {}, policyTypes: [Egress]}`
		denyBoth    = `{podSelector: {}, policyTypes: [Ingress, Egress]}`
		allowAllIn  = `{podSelector: {}, policyTypes: [Ingress], ingress: [{}]}`
		allowDNS    = `{podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: 53, protocol: UDP}]}]}`
		allowWorld  = `{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}`
		worldButMD  = `{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]}]}`
		allowLink   = `{podSelector: {matchLabels: {app: a}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 169.254.0.0/16}}], ports: [{port: 80}]}]}`
		allow443    = `{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 443}]}]}`
		allowRange  = `{podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: 1, endPort: 1024}]}]}`
		allowNamed  = `{podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: http}]}]}`
		allowPods   = `{podSelector: {}, policyTypes: [Egress], egress: [{to: [{podSelector: {}}]}]}`
		someIn      = `{podSelector: {matchLabels: {app: a}}, policyTypes: [Ingress]}`
		untypedDeny = `{podSelector: {}}`
	)
	for _, tc := range []struct {
		name                string
		docs                []string
		in, out, metaBlocks bool
	}{
		{"none", nil, false, false, false},
		{"deny ingress", []string{denyIn}, true, false, false},
		{"untyped is ingress", []string{untypedDeny}, true, false, false},
		{"deny egress", []string{denyOut}, false, true, true},
		{"deny both", []string{denyBoth}, true, true, true},
		{"ingress reopened", []string{denyIn, allowAllIn}, false, false, false},
		{"only some pods", []string{someIn}, false, false, false},
		{"egress with DNS only", []string{denyOut, allowDNS}, false, true, true},
		{"egress to the world", []string{denyOut, allowWorld}, false, true, false},
		{"world except metadata", []string{worldButMD}, false, true, true},
		{"link-local for some pods", []string{denyOut, allowLink}, false, true, false},
		{"world on 443 only", []string{allow443}, false, true, true},
		{"port range over 80", []string{allowRange}, false, true, false},
		{"named port", []string{allowNamed}, false, true, false},
		{"pod peers only", []string{allowPods}, false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nps := netpols(t, tc.docs...)
			if got := DefaultDeny(nps, networkingv1.PolicyTypeIngress); got != tc.in {
				t.Errorf("default deny ingress = %v, want %v", got, tc.in)
			}
			if got := DefaultDeny(nps, networkingv1.PolicyTypeEgress); got != tc.out {
				t.Errorf("default deny egress = %v, want %v", got, tc.out)
			}
			if got := MetadataBlocked(nps); got != tc.metaBlocks {
				t.Errorf("metadata blocked = %v, want %v", got, tc.metaBlocks)
			}
		})
	}
}

func TestOpenToWorld(t *testing.T) {
	for _, tc := range []struct {
		name string
		svc  string
		want bool
	}{
		{"cluster IP", `{spec: {type: ClusterIP}}`, false},
		{"load balancer without ranges", `{spec: {type: LoadBalancer}}`, true},
		{"restricted ranges", `{spec: {type: LoadBalancer, loadBalancerSourceRanges: [10.0.0.0/8]}}`, false},
		{"world range", `{spec: {type: LoadBalancer, loadBalancerSourceRanges: [10.0.0.0/8, 0.0.0.0/0]}}`, true},
		{"ipv6 world", `{spec: {type: LoadBalancer, loadBalancerSourceRanges: ["::/0"]}}`, true},
		{"annotation", `{metadata: {annotations: {service.beta.kubernetes.io/load-balancer-source-ranges: "192.0.2.0/24, 198.51.100.0/24"}}, spec: {type: LoadBalancer}}`, false},
		{"annotation world", `{metadata: {annotations: {service.beta.kubernetes.io/load-balancer-source-ranges: "0.0.0.0/0"}}, spec: {type: LoadBalancer}}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			if err := yaml.Unmarshal([]byte(tc.svc), &m); err != nil {
				t.Fatal(err)
			}
			var svc corev1.Service
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &svc); err != nil {
				t.Fatal(err)
			}
			if got := OpenToWorld(&svc); got != tc.want {
				t.Errorf("OpenToWorld = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPodSecurityLabels(t *testing.T) {
	for _, tc := range []struct {
		labels, want map[string]string
	}{
		{nil, map[string]string{}},
		{map[string]string{"pod-security.kubernetes.io/enforce": "baseline"}, map[string]string{"enforce": "baseline:latest"}},
		{map[string]string{
			"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.30",
			"pod-security.kubernetes.io/warn": "bogus", "pod-security.kubernetes.io/audit-version": "v1.29",
		}, map[string]string{"enforce": "restricted:v1.30", "warn": "bogus:latest"}},
	} {
		if got := podSecurityLabels(tc.labels); !maps.Equal(got, tc.want) {
			t.Errorf("podSecurityLabels(%v) = %v, want %v", tc.labels, got, tc.want)
		}
	}
}

func TestWritePostureTable(t *testing.T) {
	ps := []Posture{
		{Namespace: "shop", PodSecurity: map[string]string{"enforce": "baseline:latest", "warn": "restricted:v1.30"},
			Workloads: 4, Violating: map[string]int{"baseline": 1, "restricted": 3},
			DefaultDenyIngress: true, OpenLoadBalancers: []string{"public", "admin"}, RBACFindings: 2},
		{Namespace: "quiet", PodSecurity: map[string]string{}, Violating: map[string]int{"baseline": 0, "restricted": 0},
			DefaultDenyIngress: true, DefaultDenyEgress: true, MetadataEndpointBlocked: true, OpenLoadBalancers: []string{}},
	}
	var b bytes.Buffer
	if err := WritePostureTable(&b, ps); err != nil {
		t.Fatal(err)
	}
	want := `NAMESPACE  ENFORCE          AUDIT  WARN              WORKLOADS  FAIL BASELINE  FAIL RESTRICTED  DENY INGRESS  DENY EGRESS  METADATA BLOCKED  OPEN LBS           RBAC FINDINGS
shop       baseline:latest  -      restricted:v1.30  4          1              3                yes           no           no                2 (public, admin)  2
quiet      -                -      -                 0          0              0                yes           yes          yes               0                  0
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
