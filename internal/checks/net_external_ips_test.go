package checks

import "testing"

func TestExternalIPs(t *testing.T) {
	runNetCases(t, "net/external-ips", []netCase{
		{"set", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80}]\n  externalIPs:\n  - 198.51.100.7\n  - 198.51.100.8\n",
			[]found{{Kind: "Service", Name: "web", Path: "spec.externalIPs", Line: 6,
				Message: "Service sets spec.externalIPs [198.51.100.7, 198.51.100.8]: traffic to those addresses is captured cluster-wide (CVE-2020-8554)"}}},
		{"empty", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  externalIPs: []\n", nil},
		{"unset", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80}]\n", nil},
	})
}
