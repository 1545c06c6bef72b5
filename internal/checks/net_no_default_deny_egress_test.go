package checks

import "testing"

func TestNoDefaultDenyEgress(t *testing.T) {
	fires := []found{{Kind: "Namespace", Name: "shop", Path: "metadata.name", Line: 4,
		Message: `namespace "shop" runs workloads but no NetworkPolicy denies egress by default (podSelector: {}, policyTypes: [Egress], no egress rules)`}}
	runNetCases(t, "net/no-default-deny-egress", []netCase{
		{"no policy", netNSWithPod, fires},
		{"policyTypes omitted means Ingress only", netNSWithPod + netPolicyDoc("shop", "  podSelector: {}\n"), fires},
		{"omitted with egress rules allows them", netNSWithPod + netPolicyDoc("shop", "  podSelector: {}\n  egress: [{to: [{podSelector: {}}]}]\n"), fires},
		{"omitted with empty egress list", netNSWithPod + netPolicyDoc("shop", "  podSelector: {}\n  egress: []\n"), fires},
		{"explicit Egress", netNSWithPod + netPolicyDoc("shop", "  podSelector: {}\n  policyTypes: [Egress]\n"), nil},
		{"both, with ingress rules", netNSWithPod + netPolicyDoc("shop", "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress: [{}]\n"), nil},
		{"Egress with an allow-all rule", netNSWithPod + netPolicyDoc("shop", "  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{}]\n"), fires},
		{"selector not empty", netNSWithPod + netPolicyDoc("shop", "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n"), fires},
		{"deny in another namespace", netNSWithPod + netPolicyDoc("other", "  podSelector: {}\n  policyTypes: [Egress]\n"), fires},
		{"namespace without workloads", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n", nil},
	})
}
