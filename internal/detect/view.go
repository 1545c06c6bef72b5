package detect

import (
	stdjson "encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

// view is an event with the fields every detection asks for worked out
// once.
type view struct {
	ev     *auditv1.Event
	user   string // whose rights were used: the impersonated user if any
	groups []string
	// impersonator is the authenticated user when another was impersonated.
	impersonator string
	ip           string // the origin address: the first of sourceIPs
	time         time.Time
	res          finding.Resource
	resource     string // "pods", "pods/exec"
	subresource  string
	code         int32
	// authorized: the authorizer allowed the request (its audit annotation,
	// or, without one, a response code other than 401/403).
	authorized bool
	// succeeded: the request did what it asked (a code below 400, or none
	// yet at an earlier stage).
	succeeded bool
}

const decisionAnnotation = "authorization.k8s.io/decision"

func (v *view) reset(ev *auditv1.Event) {
	*v = view{ev: ev, user: ev.User.Username, groups: ev.User.Groups}
	if iu := ev.ImpersonatedUser; iu != nil && iu.Username != "" {
		v.impersonator, v.user, v.groups = v.user, iu.Username, iu.Groups
	}
	if len(ev.SourceIPs) > 0 {
		v.ip = ev.SourceIPs[0]
	}
	// The stage timestamp is when the event's outcome was known; windows
	// run on it. Old logs without one fall back to the receive time.
	v.time = ev.StageTimestamp.Time
	if v.time.IsZero() {
		v.time = ev.RequestReceivedTimestamp.Time
	}
	if ev.ResponseStatus != nil {
		v.code = ev.ResponseStatus.Code
	}
	v.succeeded = v.code < 400
	switch ev.Annotations[decisionAnnotation] {
	case "allow":
		v.authorized = true
	case "forbid":
		v.authorized = false
	default:
		v.authorized = v.code != 401 && v.code != 403
	}
	if o := ev.ObjectRef; o != nil {
		v.subresource = o.Subresource
		v.resource = o.Resource
		if o.Subresource != "" {
			v.resource += "/" + o.Subresource
		}
		apiVersion := o.APIVersion
		if o.APIGroup != "" {
			apiVersion = o.APIGroup + "/" + o.APIVersion
		}
		v.res = finding.Resource{APIVersion: apiVersion, Kind: kindOf(o.Resource), Namespace: o.Namespace, Name: o.Name}
	} else {
		// A non-resource request (/version, /healthz): the URL is the target.
		v.res = finding.Resource{Kind: "NonResourceURL", Name: pathOf(ev.RequestURI)}
	}
}

// kinds maps the resources detections name to their kinds, so findings
// read like scan's ("Secret kube-system/x"); other resources keep their
// plural name, which is still unambiguous.
var kinds = map[string]string{
	"pods":                              "Pod",
	"secrets":                           "Secret",
	"configmaps":                        "ConfigMap",
	"services":                          "Service",
	"serviceaccounts":                   "ServiceAccount",
	"namespaces":                        "Namespace",
	"nodes":                             "Node",
	"roles":                             "Role",
	"clusterroles":                      "ClusterRole",
	"rolebindings":                      "RoleBinding",
	"clusterrolebindings":               "ClusterRoleBinding",
	"certificatesigningrequests":        "CertificateSigningRequest",
	"validatingwebhookconfigurations":   "ValidatingWebhookConfiguration",
	"mutatingwebhookconfigurations":     "MutatingWebhookConfiguration",
	"validatingadmissionpolicies":       "ValidatingAdmissionPolicy",
	"validatingadmissionpolicybindings": "ValidatingAdmissionPolicyBinding",
	"mutatingadmissionpolicies":         "MutatingAdmissionPolicy",
	"mutatingadmissionpolicybindings":   "MutatingAdmissionPolicyBinding",
	"ingresses":                         "Ingress",
	"deployments":                       "Deployment",
	"daemonsets":                        "DaemonSet",
	"statefulsets":                      "StatefulSet",
	"replicasets":                       "ReplicaSet",
	"jobs":                              "Job",
	"cronjobs":                          "CronJob",
}

func kindOf(resource string) string {
	if k, ok := kinds[resource]; ok {
		return k
	}
	return resource
}

func pathOf(uri string) string {
	p, _, _ := strings.Cut(uri, "?")
	return p
}

// query returns a query parameter of the request URI.
func (v *view) query(key string) []string {
	_, q, ok := strings.Cut(v.ev.RequestURI, "?")
	if !ok {
		return nil
	}
	vals, err := url.ParseQuery(q)
	if err != nil {
		return nil
	}
	return vals[key]
}

// timeFormat keeps the microseconds the API server records.
const timeFormat = "2006-01-02T15:04:05.000000Z07:00"

// describe is the common tail of every message: who, from where, did
// what to which object, when.
func (v *view) describe() string {
	var b strings.Builder
	if v.user == "" {
		b.WriteString("unauthenticated client") // a 401: no user was established
	} else {
		b.WriteString("user " + strconv.Quote(v.user))
	}
	if v.impersonator != "" {
		b.WriteString(" (impersonated by " + strconv.Quote(v.impersonator) + ")")
	}
	ip := v.ip
	if ip == "" {
		ip = "unknown address"
	}
	b.WriteString(" from " + ip + " " + v.ev.Verb + " ")
	if v.ev.ObjectRef == nil {
		b.WriteString(pathOf(v.ev.RequestURI))
	} else {
		b.WriteString(v.resource)
		if name := objectName(v.res); name != "" {
			b.WriteString(" " + name)
		}
	}
	if v.code != 0 {
		b.WriteString(" (" + strconv.Itoa(int(v.code)) + ")")
	}
	b.WriteString(" at " + v.time.UTC().Format(timeFormat))
	return b.String()
}

// objectName is "namespace/name", "name", "namespace/*" for a collection
// in a namespace, or "" for a cluster-wide collection.
func objectName(r finding.Resource) string {
	switch {
	case r.Namespace != "" && r.Name != "":
		return r.Namespace + "/" + r.Name
	case r.Name != "":
		return r.Name
	case r.Namespace != "":
		return r.Namespace + "/*"
	}
	return ""
}

func (v *view) is(resource string, verbs ...string) bool {
	if v.resource != resource {
		return false
	}
	if len(verbs) == 0 {
		return true
	}
	for _, vb := range verbs {
		if v.ev.Verb == vb {
			return true
		}
	}
	return false
}

func (v *view) inGroup(g string) bool {
	for _, x := range v.groups {
		if x == g {
			return true
		}
	}
	return false
}

// object decodes the object the request carried: the response object when
// recorded (after defaulting and, for a patch, the result), else the
// request object. ok is false when neither was recorded (the policy level
// is Metadata) or neither decodes into an object of that shape.
func (v *view) object(into any) bool {
	for _, u := range []*runtime.Unknown{v.ev.ResponseObject, v.ev.RequestObject} {
		if u == nil || len(u.Raw) == 0 {
			continue
		}
		var head struct {
			Kind string `json:"kind"`
		}
		// A response can be a Status (an error) rather than the object.
		if stdjson.Unmarshal(u.Raw, &head) != nil || head.Kind == "Status" {
			continue
		}
		if stdjson.Unmarshal(u.Raw, into) == nil {
			return true
		}
	}
	return false
}

// healthCheck reports a request for the health endpoints, which load
// balancers and kubelets probe without credentials, and which answer 403
// while the API server's RBAC bootstrap is still running.
func (v *view) healthCheck() bool {
	if v.ev.ObjectRef != nil {
		return false
	}
	p := pathOf(v.ev.RequestURI)
	for _, h := range []string{"/healthz", "/livez", "/readyz"} {
		if p == h || strings.HasPrefix(p, h+"/") {
			return true
		}
	}
	return false
}
