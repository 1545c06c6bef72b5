package checks

import "testing"

func TestIngressAllowHTTP(t *testing.T) {
	const tls = "  tls: [{hosts: [shop.example.com], secretName: s}]\n" + netOneRule
	unset := func(line int) []found {
		return []found{{Kind: "Ingress", Name: "web", Path: "metadata.annotations[kubernetes.io/ingress.allow-http]", Line: line,
			Message: `GKE Ingress serves plain HTTP beside HTTPS: kubernetes.io/ingress.allow-http is not set to "false"`}}
	}
	runNetCases(t, "net/ingress-allow-http", []netCase{
		{"gce class", netIngressDoc(netIngV1, "    kubernetes.io/ingress.class: gce\n", tls), unset(5)},
		{"allow-http true", netIngressDoc(netIngV1, "    kubernetes.io/ingress.class: gce\n    kubernetes.io/ingress.allow-http: \"true\"\n", tls),
			[]found{{Kind: "Ingress", Name: "web", Path: "metadata.annotations[kubernetes.io/ingress.allow-http]", Line: 7,
				Message: `GKE Ingress serves plain HTTP beside HTTPS: kubernetes.io/ingress.allow-http is "true", not "false"`}}},
		{"allow-http false", netIngressDoc(netIngV1, "    kubernetes.io/ingress.class: gce\n    kubernetes.io/ingress.allow-http: \"false\"\n", tls), nil},
		{"gce-internal by ingressClassName and a pre-shared cert", netIngressDoc(netIngV1,
			"    ingress.gcp.kubernetes.io/pre-shared-cert: shop\n", "  ingressClassName: gce-internal\n"+netOneRule), unset(5)},
		{"no class, GKE static IP", netIngressDoc(netIngV1, "    kubernetes.io/ingress.global-static-ip-name: shop-ip\n", tls), unset(5)},
		{"no class, GKE managed certificate", netIngressDoc(netIngV1, "    networking.gke.io/managed-certificates: shop\n", netOneRule), unset(5)},
		{"no class, nothing GKE", netIngressDoc(netIngV1, "", tls), nil},
		{"nginx class", netIngressDoc(netIngV1, "    kubernetes.io/ingress.class: nginx\n    kubernetes.io/ingress.global-static-ip-name: x\n", tls), nil},
		{"nginx ingressClassName", netIngressDoc(netIngV1, "", "  ingressClassName: nginx\n"+tls), nil},
		{"gce without TLS is net/ingress-no-tls", netIngressDoc(netIngV1, "    kubernetes.io/ingress.class: gce\n", netOneRule), nil},
		{"FrontendConfig may redirect", netIngressDoc(netIngV1,
			"    kubernetes.io/ingress.class: gce\n    networking.gke.io/v1beta1.FrontendConfig: redirect\n", tls), nil},
	})
}
