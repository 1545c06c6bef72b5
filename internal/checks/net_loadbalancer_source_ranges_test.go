package checks

import "testing"

// netLBService is a LoadBalancer Service; annotations go on line 5 onward and
// spec follows them.
func netLBService(annotations, spec string) string {
	doc := "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
	if annotations != "" {
		doc += "  annotations:\n" + annotations
	}
	return doc + "spec:\n  type: LoadBalancer\n  ports: [{port: 443}]\n" + spec
}

func TestLoadBalancerSourceRanges(t *testing.T) {
	fires := func(line int) []found {
		return []found{{Kind: "Service", Name: "web", Path: "spec.loadBalancerSourceRanges", Line: line,
			Message: "internet-facing LoadBalancer Service sets no spec.loadBalancerSourceRanges: any address can reach it"}}
	}
	runNetCases(t, "net/loadbalancer-source-ranges", []netCase{
		{"no ranges", netLBService("", ""), fires(5)},
		{"ranges", netLBService("", "  loadBalancerSourceRanges: [203.0.113.0/24]\n"), nil},
		{"ranges by annotation", netLBService("    service.beta.kubernetes.io/load-balancer-source-ranges: 203.0.113.0/24\n", ""), nil},
		{"GKE internal", netLBService("    networking.gke.io/load-balancer-type: Internal\n", ""), nil},
		{"GKE internal, older annotation", netLBService("    cloud.google.com/load-balancer-type: internal\n", ""), nil},
		{"AWS scheme internal", netLBService("    service.beta.kubernetes.io/aws-load-balancer-scheme: internal\n", ""), nil},
		{"AWS scheme internet-facing", netLBService("    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing\n", ""), fires(7)},
		{"AWS legacy internal true", netLBService("    service.beta.kubernetes.io/aws-load-balancer-internal: \"true\"\n", ""), nil},
		{"AWS legacy internal 0.0.0.0/0", netLBService("    service.beta.kubernetes.io/aws-load-balancer-internal: 0.0.0.0/0\n", ""), nil},
		{"AWS legacy internal false", netLBService("    service.beta.kubernetes.io/aws-load-balancer-internal: \"false\"\n", ""), fires(7)},
		{"Azure internal", netLBService("    service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"\n", ""), nil},
		{"ClusterIP", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 443}]\n", nil},
	})
}
