package auditlog

import (
	"bufio"
	stdjson "encoding/json"
	"fmt"
	"io"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// GenerateOptions shape a synthetic log.
type GenerateOptions struct {
	// Start is the first event's time; Rate the events per second of
	// event time (default 1000: a busy production cluster).
	Start time.Time
	Rate  int
}

// Generate writes n synthetic audit events as JSON lines, a deterministic
// mix modelled on a busy cluster: kubelets renewing leases, controllers
// listing and updating, people reading deployments, the scheduler binding
// pods, pods created at RequestResponse level (with their spec), watches
// (a ResponseStarted stage too) and, rarely, the things the detections
// look for: an exec, secret reads, an anonymous call, forbidden probing. It
// exists for benchmarks and load tests (bench/audit.sh).
func Generate(w io.Writer, n int, opts GenerateOptions) error {
	if opts.Rate <= 0 {
		opts.Rate = 1000
	}
	if opts.Start.IsZero() {
		opts.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := stdjson.NewEncoder(bw)
	step := time.Second / time.Duration(opts.Rate)
	for i := range n {
		ev := genEvent(i, opts.Start.Add(time.Duration(i)*step))
		if err := enc.Encode(ev); err != nil {
			return err
		}
	}
	return bw.Flush()
}

var (
	nodesGroups = []string{"system:nodes", "system:authenticated"}
	saGroups    = []string{"system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"}
	userGroups  = []string{"developers", "system:authenticated"}
	anonGroups  = []string{"system:unauthenticated"}
)

const genPod = `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"%s","namespace":"%s","labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"registry.example/web:1.%d","ports":[{"containerPort":8080}],"resources":{"limits":{"cpu":"500m","memory":"256Mi"}},"securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}],"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}}}}`

func genEvent(i int, at time.Time) *auditv1.Event {
	ev := &auditv1.Event{
		TypeMeta:                 metav1.TypeMeta{Kind: "Event", APIVersion: "audit.k8s.io/v1"},
		Level:                    auditv1.LevelMetadata,
		AuditID:                  types.UID(fmt.Sprintf("%08x-0000-4000-8000-%012x", i/7, i)),
		Stage:                    auditv1.StageResponseComplete,
		RequestReceivedTimestamp: metav1.NewMicroTime(at.Add(-3 * time.Millisecond)),
		StageTimestamp:           metav1.NewMicroTime(at),
		ResponseStatus:           &metav1.Status{Code: 200},
		Annotations: map[string]string{
			"authorization.k8s.io/decision": "allow",
			"authorization.k8s.io/reason":   "",
		},
	}
	node := fmt.Sprintf("node-%03d", i%200)
	ns := fmt.Sprintf("team-%02d", i%40)
	set := func(user string, groups []string, ip, verb, uri string, ref *auditv1.ObjectReference) {
		ev.User = authnv1.UserInfo{Username: user, Groups: groups}
		ev.SourceIPs = []string{ip}
		ev.Verb, ev.RequestURI, ev.ObjectRef = verb, uri, ref
		ev.UserAgent = "generated/v1.37.2"
	}
	ref := func(res, ns, name, sub string) *auditv1.ObjectReference {
		return &auditv1.ObjectReference{Resource: res, Namespace: ns, Name: name, Subresource: sub, APIVersion: "v1"}
	}
	switch k := i % 1000; {
	case k < 300: // kubelet lease renewals
		set("system:node:"+node, nodesGroups, "10.0."+fmt.Sprint(i%200/250)+"."+fmt.Sprint(i%200+10), "update",
			"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/"+node, ref("leases", "kube-node-lease", node, ""))
		ev.ObjectRef.APIGroup = "coordination.k8s.io"
	case k < 550: // controllers
		set("system:serviceaccount:kube-system:endpointslice-controller", saGroups, "10.0.0.2", "update",
			"/apis/discovery.k8s.io/v1/namespaces/"+ns+"/endpointslices/web-abcde", ref("endpointslices", ns, "web-abcde", ""))
		ev.ObjectRef.APIGroup = "discovery.k8s.io"
	case k < 650: // controllers listing
		set("system:kube-controller-manager", []string{"system:authenticated"}, "10.0.0.2", "list",
			"/api/v1/namespaces/"+ns+"/pods?limit=500", ref("pods", ns, "", ""))
	case k < 700: // watches: a ResponseStarted and a ResponseComplete
		set("system:node:"+node, nodesGroups, "10.0.1."+fmt.Sprint(i%200), "watch",
			"/api/v1/pods?fieldSelector=spec.nodeName%3D"+node+"&watch=true", ref("pods", "", "", ""))
		if k%2 == 0 {
			ev.Stage, ev.ResponseStatus = auditv1.StageResponseStarted, nil
		}
	case k < 720: // pods created by the replicaset controller, with their spec
		name := fmt.Sprintf("web-%d", i)
		set("system:serviceaccount:kube-system:replicaset-controller", saGroups, "10.0.0.2", "create",
			"/api/v1/namespaces/"+ns+"/pods", ref("pods", ns, name, ""))
		ev.Level = auditv1.LevelRequest
		ev.ResponseStatus.Code = 201
		ev.RequestObject = &runtime.Unknown{Raw: fmt.Appendf(nil, genPod, name, ns, i%10), ContentType: "application/json"}
	case k < 730: // the scheduler
		set("system:kube-scheduler", []string{"system:authenticated"}, "10.0.0.3", "create",
			"/api/v1/namespaces/"+ns+"/pods/web-1/binding", ref("pods", ns, "web-1", "binding"))
		ev.ResponseStatus.Code = 201
	case k < 960: // people
		set(fmt.Sprintf("user-%d@example.com", i%50), userGroups, "192.168.1."+fmt.Sprint(i%50+1), "get",
			"/apis/apps/v1/namespaces/"+ns+"/deployments/web", ref("deployments", ns, "web", ""))
		ev.ObjectRef.APIGroup = "apps"
	case k < 990: // forbidden probing by one user, in bursts
		set("intruder@example.com", userGroups, "198.51.100.7", "list", "/api/v1/namespaces/"+ns+"/secrets", ref("secrets", ns, "", ""))
		ev.ResponseStatus.Code = 403
		ev.Annotations["authorization.k8s.io/decision"] = "forbid"
	case k < 995: // secret reads by a person
		set("user-1@example.com", userGroups, "192.168.1.2", "get", "/api/v1/namespaces/"+ns+"/secrets/db", ref("secrets", ns, "db", ""))
	case k < 998: // an exec
		set("user-2@example.com", userGroups, "192.168.1.3", "create",
			"/api/v1/namespaces/"+ns+"/pods/web-1/exec?command=sh&container=app&stdin=true&tty=true", ref("pods", ns, "web-1", "exec"))
		ev.ResponseStatus.Code = 101
	default: // an anonymous call
		set("system:anonymous", anonGroups, "203.0.113.5", "get", "/version", nil)
	}
	return ev
}
