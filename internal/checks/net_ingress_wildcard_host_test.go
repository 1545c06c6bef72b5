package checks

import "testing"

func TestIngressWildcardHost(t *testing.T) {
	runNetCases(t, "net/ingress-wildcard-host", []netCase{
		{"wildcard second", netIngressDoc(netIngV1, "", netOneRule+"  - host: '*.example.com'\n"),
			[]found{{Kind: "Ingress", Name: "web", Path: "spec.rules[1].host", Line: 8,
				Message: `rule host "*.example.com" is a wildcard: every matching subdomain reaches this backend`}}},
		{"named hosts", netIngressDoc(netIngV1, "", netOneRule+"  - host: api.example.com\n  - http: {}\n"), nil},
		{"wildcard only in tls", netIngressDoc(netIngV1, "", "  tls: [{hosts: ['*.example.com']}]\n"+netOneRule), nil},
	})
}
