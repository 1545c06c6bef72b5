package checks

import "testing"

func TestLoadBalancerOpenToWorld(t *testing.T) {
	hit := func(path string, line int, msg string) found {
		return found{Kind: "Service", Name: "web", Path: path, Line: line, Message: msg}
	}
	runNetCases(t, "net/loadbalancer-open-to-world", []netCase{
		{"0.0.0.0/0 second", netLBService("", "  loadBalancerSourceRanges:\n  - 203.0.113.0/24\n  - 0.0.0.0/0\n"),
			[]found{hit("spec.loadBalancerSourceRanges[1]", 10, "loadBalancerSourceRanges allows 0.0.0.0/0: any address can reach the load balancer")}},
		{"::/0", netLBService("", "  loadBalancerSourceRanges: ['::/0']\n"),
			[]found{hit("spec.loadBalancerSourceRanges[0]", 8, "loadBalancerSourceRanges allows ::/0: any address can reach the load balancer")}},
		{"narrow", netLBService("", "  loadBalancerSourceRanges: [203.0.113.0/24]\n"), nil},
		{"no ranges is net/loadbalancer-source-ranges", netLBService("", ""), nil},
		{"annotation", netLBService("    service.beta.kubernetes.io/load-balancer-source-ranges: 203.0.113.0/24, 0.0.0.0/0\n", ""),
			[]found{hit("metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]", 6,
				"service.beta.kubernetes.io/load-balancer-source-ranges allows 0.0.0.0/0: any address can reach the load balancer")}},
		{"field wins over annotation", netLBService("    service.beta.kubernetes.io/load-balancer-source-ranges: 0.0.0.0/0\n",
			"  loadBalancerSourceRanges: [203.0.113.0/24]\n"), nil},
		{"internal", netLBService("    service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"\n",
			"  loadBalancerSourceRanges: [0.0.0.0/0]\n"), nil},
		{"ClusterIP", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  loadBalancerSourceRanges: [0.0.0.0/0]\n", nil},
	})
}
