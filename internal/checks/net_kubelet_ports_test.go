package checks

import "testing"

func TestKubeletPorts(t *testing.T) {
	hit := func(path string, line int, msg string) found {
		return found{Kind: "NetworkPolicy", Name: "p", Path: path, Line: line, Message: msg}
	}
	runNetCases(t, "net/kubelet-ports", []netCase{
		{"10250", netEgressPolicy(netEgressOnly, "  - ports:\n    - port: 10250\n"),
			[]found{hit("spec.egress[0].ports[0].port", 9, "egress rule opens TCP port 10250 (the kubelet API)")}},
		{"10255 as second port of second rule", netEgressPolicy(netEgressOnly,
			"  - ports: [{port: 53, protocol: UDP}]\n  - to: [{ipBlock: {cidr: 10.0.0.0/8}}]\n    ports:\n    - port: 443\n    - {port: 10255, protocol: TCP}\n"),
			[]found{hit("spec.egress[1].ports[1].port", 12, "egress rule opens TCP port 10255 (the kubelet read-only port)")}},
		{"range over both", netEgressPolicy(netEgressOnly, "  - ports:\n    - port: 10000\n      endPort: 11000\n"),
			[]found{hit("spec.egress[0].ports[0].port", 9,
				"egress rule opens TCP ports 10000-11000, which include 10250 (the kubelet API) and 10255 (the kubelet read-only port)")}},
		{"range below", netEgressPolicy(netEgressOnly, "  - ports: [{port: 10000, endPort: 10249}]\n"), nil},
		{"UDP", netEgressPolicy(netEgressOnly, "  - ports: [{port: 10250, protocol: UDP}]\n"), nil},
		{"named port", netEgressPolicy(netEgressOnly, "  - ports: [{port: kubelet}]\n"), nil},
		{"policyTypes omitted with egress rules", netEgressPolicy("", "  - ports: [{port: 10250}]\n"),
			[]found{hit("spec.egress[0].ports[0].port", 7, "egress rule opens TCP port 10250 (the kubelet API)")}},
		{"egress ignored under policyTypes [Ingress]", netEgressPolicy("  policyTypes: [Ingress]\n", "  - ports: [{port: 10250}]\n"), nil},
		{"ingress to a pod's own 10250", netIngressPolicy("", "  - ports: [{port: 10250}]\n"), nil},
	})
}
