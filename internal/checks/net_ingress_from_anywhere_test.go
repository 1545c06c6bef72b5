package checks

import "testing"

func netIngressPolicy(types, rules string) string {
	return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
` + types + "  ingress:\n" + rules
}

func TestIngressFromAnywhere(t *testing.T) {
	hit := func(path string, line int, cidr string) found {
		return found{Kind: "NetworkPolicy", Name: "p", Path: path, Line: line,
			Message: "ingress rule allows traffic from " + cidr + ": any address, the internet included"}
	}
	runNetCases(t, "net/ingress-from-anywhere", []netCase{
		{"0.0.0.0/0", netIngressPolicy("", "  - from:\n    - ipBlock: {cidr: 0.0.0.0/0}\n    ports: [{port: 8080}]\n"),
			[]found{hit("spec.ingress[0].from[0].ipBlock.cidr", 8, "0.0.0.0/0")}},
		{"::/0 as second peer of second rule", netIngressPolicy("",
			"  - from: [{podSelector: {}}]\n  - from:\n    - podSelector: {}\n    - ipBlock:\n        cidr: '::/0'\n"),
			[]found{hit("spec.ingress[1].from[1].ipBlock.cidr", 11, "::/0")}},
		{"world with except is still the world", netIngressPolicy("", "  - from:\n    - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}\n"),
			[]found{hit("spec.ingress[0].from[0].ipBlock.cidr", 8, "0.0.0.0/0")}},
		{"private range", netIngressPolicy("", "  - from:\n    - ipBlock: {cidr: 10.0.0.0/8}\n"), nil},
		{"half the internet is not reported", netIngressPolicy("", "  - from:\n    - ipBlock: {cidr: 0.0.0.0/1}\n"), nil},
		{"pod peers", netIngressPolicy("", "  - from: [{podSelector: {}}]\n"), nil},
		{"ingress rules ignored under policyTypes [Egress]", netIngressPolicy("  policyTypes: [Egress]\n", "  - from: [{ipBlock: {cidr: 0.0.0.0/0}}]\n"), nil},
	})
}
