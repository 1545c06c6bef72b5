package checks

import "testing"

func TestIngressTLSHosts(t *testing.T) {
	hit := func(path string, line int, host string) found {
		return found{Kind: "Ingress", Name: "web", Path: path, Line: line,
			Message: `rule host "` + host + `" is not covered by any spec.tls[].hosts`}
	}
	rules := "  rules:\n  - host: shop.example.com\n  - host: example.com\n  - host: a.b.example.com\n  - http: {}\n"
	runNetCases(t, "net/ingress-tls-hosts", []netCase{
		{"wildcard covers one label", netIngressDoc(netIngV1, "", "  tls:\n  - hosts: ['*.example.com']\n"+rules),
			[]found{hit("spec.rules[1].host", 10, "example.com"), hit("spec.rules[2].host", 11, "a.b.example.com")}},
		{"all listed across entries", netIngressDoc(netIngV1, "",
			"  tls:\n  - hosts: ['*.example.com', example.com]\n  - hosts: [A.B.example.com]\n"+rules), nil},
		{"exact host missing", netIngressDoc(netIngV1, "", "  tls:\n  - hosts: [shop.example.com]\n    secretName: s\n"+netOneRule+"  - host: api.example.com\n"),
			[]found{hit("spec.rules[1].host", 11, "api.example.com")}},
		{"wildcard rule host needs the wildcard", netIngressDoc(netIngV1, "", "  tls:\n  - hosts: [a.example.com]\n  rules:\n  - host: '*.example.com'\n"),
			[]found{hit("spec.rules[0].host", 9, "*.example.com")}},
		{"tls entry without hosts covers all", netIngressDoc(netIngV1, "", "  tls:\n  - secretName: default\n"+rules), nil},
		{"no tls is net/ingress-no-tls", netIngressDoc(netIngV1, "", rules), nil},
	})
}
