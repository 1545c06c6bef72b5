package checks

import (
	"fmt"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

const netAllowHTTPAnnotation = "kubernetes.io/ingress.allow-http"

// netGKEIngressAnnotations are annotation keys (or prefixes, ending in "/")
// only the GKE Ingress controller reads.
var netGKEIngressAnnotations = []string{
	"networking.gke.io/",
	"ingress.gcp.kubernetes.io/",
	"cloud.google.com/",
	"kubernetes.io/ingress.global-static-ip-name",
	"kubernetes.io/ingress.regional-static-ip-name",
	netAllowHTTPAnnotation,
}

// netGKEIngress reports whether the GKE Ingress controller serves o: its class
// (annotation, else spec.ingressClassName) is gce or gce-internal, or it has
// no class and carries an annotation only GKE reads. A class-less Ingress
// without such an annotation is left alone: which controller takes it
// depends on the cluster's default IngressClass.
func netGKEIngress(o *Object) bool {
	class := o.Annotations["kubernetes.io/ingress.class"]
	if class == "" {
		class, _ = netIngressSpec(o)["ingressClassName"].(string)
	}
	if class != "" {
		return class == "gce" || class == "gce-internal"
	}
	for k := range o.Annotations {
		for _, a := range netGKEIngressAnnotations {
			if k == a || strings.HasSuffix(a, "/") && strings.HasPrefix(k, a) {
				return true
			}
		}
	}
	return false
}

func netIngressAllowHTTP() Check {
	return Check{
		ID:       "net/ingress-allow-http",
		Title:    "GKE Ingress serves HTTP beside HTTPS",
		Severity: finding.SeverityMedium,
		Rationale: "The GKE Ingress controller serves plain HTTP on port 80 beside HTTPS unless the Ingress sets " +
			"kubernetes.io/ingress.allow-http: \"false\", so clients and links can still use the unencrypted address " +
			"(GKE docs, HTTPS between client and load balancer: Disabling HTTP). Fires only on " +
			"Ingresses the GKE controller serves (class gce or gce-internal by annotation or ingressClassName, or no " +
			"class and a GKE-only annotation) that terminate TLS (spec.tls or a GKE certificate annotation); without " +
			"TLS net/ingress-no-tls reports them. An Ingress with a FrontendConfig (networking.gke.io/v1beta1.FrontendConfig), " +
			"which can redirect HTTP to HTTPS, is not reported.",
		Remediation: `metadata:
  annotations:
    kubernetes.io/ingress.allow-http: "false"
`,
		Kinds: []string{"Ingress"},
		Run: func(_ *Context, o *Object) []Violation {
			if !netIsIngress(o) || !netGKEIngress(o) || !netIngressHasTLS(o) {
				return nil
			}
			if o.Annotations["networking.gke.io/v1beta1.FrontendConfig"] != "" {
				return nil
			}
			v, set := o.Annotations[netAllowHTTPAnnotation]
			if strings.EqualFold(strings.TrimSpace(v), "false") {
				return nil
			}
			msg := fmt.Sprintf("GKE Ingress serves plain HTTP beside HTTPS: %s is not set to \"false\"", netAllowHTTPAnnotation)
			if set {
				msg = fmt.Sprintf("GKE Ingress serves plain HTTP beside HTTPS: %s is %q, not \"false\"", netAllowHTTPAnnotation, v)
			}
			return []Violation{{Path: "metadata.annotations[" + netAllowHTTPAnnotation + "]", Message: msg}}
		},
	}
}
