package checks

import "testing"

// netIngressDoc is an Ingress: annotations from line 5, then spec.
func netIngressDoc(apiVersion, annotations, spec string) string {
	doc := "apiVersion: " + apiVersion + "\nkind: Ingress\nmetadata:\n  name: web\n"
	if annotations != "" {
		doc += "  annotations:\n" + annotations
	}
	return doc + "spec:\n" + spec
}

const netIngV1 = "networking.k8s.io/v1"

const netOneRule = "  rules:\n  - host: shop.example.com\n"

func TestIngressNoTLS(t *testing.T) {
	fires := func(line int) []found {
		return []found{{Kind: "Ingress", Name: "web", Path: "spec.tls", Line: line,
			Message: "Ingress sets no spec.tls: its hosts are served over plain HTTP"}}
	}
	runNetCases(t, "net/ingress-no-tls", []netCase{
		{"no tls", netIngressDoc(netIngV1, "", netOneRule), fires(5)},
		{"empty tls", netIngressDoc(netIngV1, "", "  tls: []\n"+netOneRule), fires(6)},
		{"tls", netIngressDoc(netIngV1, "", "  tls: [{hosts: [shop.example.com], secretName: s}]\n"+netOneRule), nil},
		{"tls entry without hosts", netIngressDoc(netIngV1, "", "  tls: [{secretName: s}]\n"+netOneRule), nil},
		{"ALB certificate", netIngressDoc(netIngV1, "    alb.ingress.kubernetes.io/certificate-arn: arn:aws:acm:eu-west-1:1:certificate/x\n", netOneRule), nil},
		{"GKE managed certificate", netIngressDoc(netIngV1, "    networking.gke.io/managed-certificates: shop\n", netOneRule), nil},
		{"GKE pre-shared certificate", netIngressDoc(netIngV1, "    ingress.gcp.kubernetes.io/pre-shared-cert: shop\n", netOneRule), nil},
		{"GKE with HTTP disabled", netIngressDoc(netIngV1, "    kubernetes.io/ingress.allow-http: \"false\"\n", netOneRule), nil},
		{"nginx ignores allow-http", netIngressDoc(netIngV1, "    kubernetes.io/ingress.allow-http: \"false\"\n", "  ingressClassName: nginx\n"+netOneRule), fires(7)},
		{"extensions/v1beta1", netIngressDoc("extensions/v1beta1", "", netOneRule), fires(5)},
		{"other group", netIngressDoc("example.com/v1", "", netOneRule), nil},
	})
}
