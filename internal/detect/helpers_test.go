package detect

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// nextID makes every test event distinct, so deduplication only drops
// what a test means it to.
var nextID atomic.Int64

// t0 is when test events happen, unless moved with at().
var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

type opt func(*auditv1.Event)

// ev builds a ResponseComplete event for verb on uri by alice from
// 10.1.2.3, allowed, code 200, with objectRef derived from uri as the API
// server derives it.
func ev(verb, uri string, opts ...opt) *auditv1.Event {
	e := &auditv1.Event{
		Level:                    auditv1.LevelMetadata,
		AuditID:                  types.UID(fmt.Sprintf("id-%d", nextID.Add(1))),
		Stage:                    auditv1.StageResponseComplete,
		RequestURI:               uri,
		Verb:                     verb,
		User:                     authnv1.UserInfo{Username: "alice", Groups: []string{"dev", "system:authenticated"}},
		SourceIPs:                []string{"10.1.2.3"},
		ObjectRef:                refOf(uri),
		ResponseStatus:           &metav1.Status{Code: 200},
		RequestReceivedTimestamp: metav1.NewMicroTime(t0.Add(-5 * time.Millisecond)),
		StageTimestamp:           metav1.NewMicroTime(t0),
		Annotations:              map[string]string{decisionAnnotation: "allow"},
	}
	for _, o := range opts {
		o(e)
	}
	return e
}

// refOf parses /api/v1/... and /apis/group/version/... paths.
func refOf(uri string) *auditv1.ObjectReference {
	p := strings.Trim(pathOf(uri), "/")
	parts := strings.Split(p, "/")
	ref := &auditv1.ObjectReference{}
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		ref.APIVersion, parts = parts[1], parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		ref.APIGroup, ref.APIVersion, parts = parts[1], parts[2], parts[3:]
	default:
		return nil // a non-resource URL
	}
	if len(parts) >= 3 && parts[0] == "namespaces" {
		ref.Namespace, parts = parts[1], parts[2:]
	}
	if len(parts) > 0 {
		ref.Resource = parts[0]
	}
	if len(parts) > 1 {
		ref.Name = parts[1]
	}
	if len(parts) > 2 {
		ref.Subresource = parts[2]
	}
	return ref
}

func user(name string, groups ...string) opt {
	return func(e *auditv1.Event) { e.User = authnv1.UserInfo{Username: name, Groups: groups} }
}

func impersonating(name string, groups ...string) opt {
	return func(e *auditv1.Event) { e.ImpersonatedUser = &authnv1.UserInfo{Username: name, Groups: groups} }
}

func code(c int32) opt {
	return func(e *auditv1.Event) {
		e.ResponseStatus = &metav1.Status{Code: c}
		if c == 401 || c == 403 {
			e.Annotations[decisionAnnotation] = "forbid"
		}
	}
}

func ip(addrs ...string) opt { return func(e *auditv1.Event) { e.SourceIPs = addrs } }

func id(s string) opt { return func(e *auditv1.Event) { e.AuditID = types.UID(s) } }

func stage(s auditv1.Stage) opt { return func(e *auditv1.Event) { e.Stage = s } }

// at moves the event d after t0.
func at(d time.Duration) opt {
	return func(e *auditv1.Event) {
		e.StageTimestamp = metav1.NewMicroTime(t0.Add(d))
		e.RequestReceivedTimestamp = metav1.NewMicroTime(t0.Add(d - 5*time.Millisecond))
	}
}

// took sets the latency.
func took(d time.Duration) opt {
	return func(e *auditv1.Event) {
		e.RequestReceivedTimestamp = metav1.NewMicroTime(e.StageTimestamp.Add(-d))
	}
}

func annotation(k, v string) opt { return func(e *auditv1.Event) { e.Annotations[k] = v } }

func noDecision() opt { return func(e *auditv1.Event) { delete(e.Annotations, decisionAnnotation) } }

// reqObj records the request object (policy level Request).
func reqObj(t *testing.T, obj string) opt {
	t.Helper()
	if !json.Valid([]byte(obj)) {
		t.Fatalf("test object is not JSON: %s", obj)
	}
	return func(e *auditv1.Event) {
		e.Level = auditv1.LevelRequest
		e.RequestObject = &runtime.Unknown{Raw: []byte(obj), ContentType: "application/json"}
	}
}

// respObj records the response object (policy level RequestResponse).
func respObj(obj string) opt {
	return func(e *auditv1.Event) {
		e.Level = auditv1.LevelRequestResponse
		e.ResponseObject = &runtime.Unknown{Raw: []byte(obj), ContentType: "application/json"}
	}
}

// run feeds events through a fresh engine and returns "check: message"
// per finding (plus " [suppressed]").
func run(t *testing.T, cfg Config, events ...*auditv1.Event) []string {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, x := range events {
		for _, a := range e.Observe(x, "audit.log", i+1) {
			s := a.Check + ": " + a.Message
			if a.Suppressed {
				s += " [suppressed]"
			}
			out = append(out, s)
		}
	}
	return out
}
