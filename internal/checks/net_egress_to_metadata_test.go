package checks

import "testing"

// netEgressPolicy is a NetworkPolicy whose egress rules start on line 7.
func netEgressPolicy(types, rules string) string {
	return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {}
` + types + "  egress:\n" + rules
}

const netEgressOnly = "  policyTypes: [Egress]\n"

func TestEgressToMetadata(t *testing.T) {
	v4 := func(path string, line int, cidr string) found {
		return found{Kind: "NetworkPolicy", Name: "p", Path: path, Line: line,
			Message: "egress to " + cidr + " does not except the cloud metadata endpoint 169.254.169.254 (add 169.254.169.254/32 to except)"}
	}
	v6 := func(path string, line int, cidr string) found {
		return found{Kind: "NetworkPolicy", Name: "p", Path: path, Line: line,
			Message: "egress to " + cidr + " does not except the cloud metadata endpoint fd00:ec2::254 (add fd00:ec2::254/128 to except)"}
	}
	const cidr00 = "spec.egress[0].to[0].ipBlock.cidr"
	runNetCases(t, "net/egress-to-metadata", []netCase{
		{"0.0.0.0/0", netEgressPolicy(netEgressOnly, "  - to:\n    - ipBlock: {cidr: 0.0.0.0/0}\n"),
			[]found{v4(cidr00, 9, "0.0.0.0/0")}},
		{"except other ranges", netEgressPolicy(netEgressOnly, "  - to:\n    - ipBlock:\n        cidr: 0.0.0.0/0\n        except: [10.0.0.0/8]\n"),
			[]found{v4(cidr00, 10, "0.0.0.0/0")}},
		{"except the endpoint", netEgressPolicy(netEgressOnly, "  - to:\n    - ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}\n"), nil},
		{"except link-local", netEgressPolicy(netEgressOnly, "  - to:\n    - ipBlock: {cidr: 0.0.0.0/0, except: [169.254.0.0/16]}\n"), nil},
		{"link-local block", netEgressPolicy(netEgressOnly, "  - to:\n    - ipBlock: {cidr: 169.254.0.0/16}\n"),
			[]found{v4(cidr00, 9, "169.254.0.0/16")}},
		{"private block", netEgressPolicy(netEgressOnly, "  - to:\n    - ipBlock: {cidr: 10.0.0.0/8}\n"), nil},
		{"::/0", netEgressPolicy(netEgressOnly, "  - to:\n    - ipBlock: {cidr: '::/0'}\n"),
			[]found{v6(cidr00, 9, "::/0")}},
		{"::/0 excepting the AWS IPv6 endpoint", netEgressPolicy(netEgressOnly, "  - to:\n    - ipBlock: {cidr: '::/0', except: ['fd00:ec2::254/128']}\n"), nil},
		{"second peer of second rule", netEgressPolicy(netEgressOnly,
			"  - to: [{podSelector: {}}]\n  - to:\n    - namespaceSelector: {}\n    - ipBlock: {cidr: 0.0.0.0/0}\n"),
			[]found{v4("spec.egress[1].to[1].ipBlock.cidr", 11, "0.0.0.0/0")}},
		{"no to: every destination", netEgressPolicy(netEgressOnly, "  - ports: [{port: 80}]\n"),
			[]found{{Kind: "NetworkPolicy", Name: "p", Path: "spec.egress[0]", Line: 8,
				Message: "egress rule has no `to`: it allows every destination, the cloud metadata endpoint 169.254.169.254 included"}}},
		{"allow-all rule", netEgressPolicy(netEgressOnly, "  - {}\n"),
			[]found{{Kind: "NetworkPolicy", Name: "p", Path: "spec.egress[0]", Line: 8,
				Message: "egress rule has no `to`: it allows every destination, the cloud metadata endpoint 169.254.169.254 included"}}},
		{"DNS anywhere", netEgressPolicy(netEgressOnly, "  - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\n"), nil},
		{"HTTPS to the world", netEgressPolicy(netEgressOnly, "  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]\n    ports: [{port: 443}]\n"), nil},
		{"port range over 80", netEgressPolicy(netEgressOnly, "  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]\n    ports: [{port: 1, endPort: 1024}]\n"),
			[]found{v4(cidr00, 8, "0.0.0.0/0")}},
		{"all TCP ports", netEgressPolicy(netEgressOnly, "  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]\n    ports: [{protocol: TCP}]\n"),
			[]found{v4(cidr00, 8, "0.0.0.0/0")}},
		{"named port", netEgressPolicy(netEgressOnly, "  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]\n    ports: [{port: http}]\n"), nil},
		{"policyTypes omitted with egress rules", netEgressPolicy("", "  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]\n"),
			[]found{v4(cidr00, 7, "0.0.0.0/0")}},
		{"egress rules ignored under policyTypes [Ingress]", netEgressPolicy("  policyTypes: [Ingress]\n", "  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]\n"), nil},
		{"invalid CIDR", netEgressPolicy(netEgressOnly, "  - to: [{ipBlock: {cidr: everything}}]\n"), nil},
	})
}
