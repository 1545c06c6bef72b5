package detect

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

type detectCase struct {
	name   string
	cfg    Config
	events []*auditv1.Event
	want   []string
}

func runCases(t *testing.T, cases []detectCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := run(t, c.cfg, c.events...)
			if !slices.Equal(got, c.want) {
				t.Errorf("findings:\n%s\nwant:\n%s", lines(got), lines(c.want))
			}
		})
	}
}

func lines(s []string) string {
	out := ""
	for _, l := range s {
		out += "  " + l + "\n"
	}
	if out == "" {
		return "  (none)\n"
	}
	return out
}

const ts = "2026-11-26T10:00:00.000000Z"

func TestAccessDetections(t *testing.T) {
	exec := "/api/v1/namespaces/shop/pods/web/exec?command=sh&command=-c&command=id&container=app&stdin=true"
	runCases(t, []detectCase{
		{name: "exec into a named container",
			events: []*auditv1.Event{ev("create", exec, code(101))},
			want:   []string{`audit/pod-exec: exec into container "app" of a pod (command "sh -c id"): user "alice" from 10.1.2.3 create pods/exec shop/web (101) at ` + ts}},
		{name: "exec failing after authorization is still reported",
			events: []*auditv1.Event{ev("create", "/api/v1/namespaces/shop/pods/web/exec?command=sh", code(400))},
			want:   []string{`audit/pod-exec: exec into a pod (command "sh"): user "alice" from 10.1.2.3 create pods/exec shop/web (400) at ` + ts}},
		{name: "forbidden exec is not an exec",
			events: []*auditv1.Event{ev("create", exec, code(403))}},
		{name: "attach and port-forward",
			events: []*auditv1.Event{
				ev("create", "/api/v1/namespaces/shop/pods/web/attach", code(101)),
				ev("create", "/api/v1/namespaces/shop/pods/web/portforward?ports=5432", code(101)),
			},
			want: []string{
				`audit/pod-exec: attach to a pod: user "alice" from 10.1.2.3 create pods/attach shop/web (101) at ` + ts,
				`audit/pod-exec: port-forward to a pod: user "alice" from 10.1.2.3 create pods/portforward shop/web (101) at ` + ts,
			}},
		{name: "impersonation names both users",
			events: []*auditv1.Event{ev("create", exec, code(101), user("admin", "system:masters"), impersonating("bob", "dev"))},
			want:   []string{`audit/pod-exec: exec into container "app" of a pod (command "sh -c id"): user "bob" (impersonated by "admin") from 10.1.2.3 create pods/exec shop/web (101) at ` + ts}},
		{name: "allowed subjects replace the defaults",
			cfg:    Config{Allowed: map[string]Subjects{"audit/pod-exec": {Groups: []string{"d*"}}}},
			events: []*auditv1.Event{ev("create", exec, code(101))}},
		{name: "an exception suppresses but keeps the finding",
			cfg: Config{Except: func(check string, res finding.Resource, user string, at time.Time) bool {
				return check == "audit/pod-exec" && res == finding.Resource{APIVersion: "v1", Kind: "Pod", Namespace: "shop", Name: "web"} &&
					user == "alice" && at.Equal(t0)
			}},
			events: []*auditv1.Event{ev("create", "/api/v1/namespaces/shop/pods/web/attach", code(101))},
			want:   []string{`audit/pod-exec: attach to a pod: user "alice" from 10.1.2.3 create pods/attach shop/web (101) at ` + ts + ` [suppressed]`}},
		{name: "ephemeral container",
			events: []*auditv1.Event{ev("patch", "/api/v1/namespaces/shop/pods/web/ephemeralcontainers")},
			want:   []string{`audit/ephemeral-container: ephemeral container added to a pod: user "alice" from 10.1.2.3 patch pods/ephemeralcontainers shop/web (200) at ` + ts}},

		{name: "secret get, list and watch by a person",
			events: []*auditv1.Event{
				ev("get", "/api/v1/namespaces/shop/secrets/db"),
				ev("list", "/api/v1/secrets"),
				ev("watch", "/api/v1/namespaces/shop/secrets?watch=true", noDecision()),
			},
			want: []string{
				`audit/secret-read: secret get: user "alice" from 10.1.2.3 get secrets shop/db (200) at ` + ts,
				`audit/secret-read: secret list: user "alice" from 10.1.2.3 list secrets (200) at ` + ts,
				`audit/secret-read: secret watch: user "alice" from 10.1.2.3 watch secrets shop/* (200) at ` + ts,
			}},
		{name: "secret reads by the control plane and kubelets are their job",
			events: []*auditv1.Event{
				ev("get", "/api/v1/namespaces/shop/secrets/db", user("system:node:n1", "system:nodes", "system:authenticated")),
				ev("list", "/api/v1/secrets", user("system:kube-controller-manager")),
				ev("get", "/api/v1/namespaces/kube-system/secrets/bootstrap-token-abc", user("system:serviceaccount:kube-system:token-cleaner")),
				ev("list", "/api/v1/secrets", user("system:apiserver", "system:masters")),
			}},
		{name: "a forbidden secret read is not a read",
			events: []*auditv1.Event{ev("get", "/api/v1/namespaces/shop/secrets/db", code(403))}},
		{name: "a secret write is not a read",
			events: []*auditv1.Event{ev("update", "/api/v1/namespaces/shop/secrets/db")}},

		{name: "anonymous requests allowed, health probes aside",
			events: []*auditv1.Event{
				ev("get", "/version", user("system:anonymous", "system:unauthenticated"), ip("203.0.113.9")),
				ev("get", "/healthz", user("system:anonymous", "system:unauthenticated")),
				ev("get", "/readyz/etcd", user("system:anonymous", "system:unauthenticated")),
				ev("get", "/api/v1/namespaces/kube-public/configmaps/cluster-info", user("system:anonymous", "system:unauthenticated")),
				ev("list", "/api/v1/namespaces", user("system:anonymous", "system:unauthenticated"), code(403)),
			},
			want: []string{
				`audit/anonymous-allowed: request by an unauthenticated user allowed: user "system:anonymous" from 203.0.113.9 get /version (200) at ` + ts,
				`audit/anonymous-allowed: request by an unauthenticated user allowed: user "system:anonymous" from 10.1.2.3 get configmaps kube-public/cluster-info (200) at ` + ts,
			}},

		{name: "token request by a person, not by a kubelet",
			events: []*auditv1.Event{
				ev("create", "/api/v1/namespaces/shop/serviceaccounts/builder/token", code(201)),
				ev("create", "/api/v1/namespaces/shop/serviceaccounts/web/token", code(201), user("system:node:n1", "system:nodes")),
			},
			want: []string{`audit/token-request: ServiceAccount token requested: user "alice" from 10.1.2.3 create serviceaccounts/token shop/builder (201) at ` + ts}},
		{name: "CSR approval by a person, not by the controller manager",
			events: []*auditv1.Event{
				ev("update", "/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/approval"),
				ev("update", "/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-2/approval", user("system:kube-controller-manager")),
			},
			want: []string{`audit/csr-approval: CertificateSigningRequest approval changed: user "alice" from 10.1.2.3 update certificatesigningrequests/approval csr-1 (200) at ` + ts}},
		{name: "node proxy",
			events: []*auditv1.Event{ev("get", "/api/v1/nodes/n1/proxy/pods")},
			want:   []string{`audit/node-proxy: kubelet API reached through nodes/proxy: user "alice" from 10.1.2.3 get nodes/proxy n1 (200) at ` + ts}},

		{name: "disallowed user is off without a list",
			events: []*auditv1.Event{ev("get", "/api/v1/namespaces/shop/pods/web", user("bob"))}},
		{name: "disallowed user with a list",
			cfg: Config{AllowedUsers: []string{"alice", "ci-*"}},
			events: []*auditv1.Event{
				ev("get", "/api/v1/namespaces/shop/pods/web", user("bob")),
				ev("get", "/api/v1/namespaces/shop/pods/web", user("ci-deployer")),
				ev("get", "/api/v1/namespaces/shop/pods/web", user("system:node:n1")),
				ev("get", "/api/v1/namespaces/shop/pods/web"),
			},
			want: []string{`audit/disallowed-user: request by a user outside audit.allowedUsers: user "bob" from 10.1.2.3 get pods shop/web (200) at ` + ts}},
	})
}

func TestWindowDetections(t *testing.T) {
	burst := Config{BurstThreshold: 3, BurstWindow: time.Minute}
	probe := func(d time.Duration, opts ...opt) *auditv1.Event {
		return ev("list", "/api/v1/namespaces/shop/secrets", append([]opt{code(403), user("mallory"), ip("10.9.9.9"), at(d), id(d.String())}, opts...)...)
	}
	runCases(t, []detectCase{
		{name: "burst per user and per address, then quiet for a window",
			cfg:    burst,
			events: []*auditv1.Event{probe(0), probe(10 * time.Second), probe(20 * time.Second), probe(25 * time.Second), probe(90 * time.Second), probe(100 * time.Second), probe(110 * time.Second)},
			want: []string{
				`audit/forbidden-burst: 3 responses 401/403 within 1m0s for user "mallory": user "mallory" from 10.9.9.9 list secrets shop/* (403) at 2026-11-26T10:00:20.000000Z`,
				`audit/forbidden-burst: 3 responses 401/403 within 1m0s from address 10.9.9.9: user "mallory" from 10.9.9.9 list secrets shop/* (403) at 2026-11-26T10:00:20.000000Z`,
				`audit/forbidden-burst: 3 responses 401/403 within 1m0s for user "mallory": user "mallory" from 10.9.9.9 list secrets shop/* (403) at 2026-11-26T10:01:50.000000Z`,
				`audit/forbidden-burst: 3 responses 401/403 within 1m0s from address 10.9.9.9: user "mallory" from 10.9.9.9 list secrets shop/* (403) at 2026-11-26T10:01:50.000000Z`,
			}},
		{name: "spread wider than the window is no burst",
			cfg:    burst,
			events: []*auditv1.Event{probe(0), probe(40 * time.Second), probe(80 * time.Second), probe(120 * time.Second)}},
		{name: "401s count per address only: no user was established",
			cfg:    burst,
			events: []*auditv1.Event{probe(0, user(""), code(401)), probe(time.Second, user(""), code(401)), probe(2*time.Second, user(""), code(401))},
			want:   []string{`audit/forbidden-burst: 3 responses 401/403 within 1m0s from address 10.9.9.9: unauthenticated client from 10.9.9.9 list secrets shop/* (401) at 2026-11-26T10:00:02.000000Z`}},
		{name: "health probes refused during RBAC bootstrap are no burst",
			cfg: burst,
			events: []*auditv1.Event{
				ev("get", "/healthz", code(403), user("system:anonymous"), id("1")),
				ev("get", "/healthz", code(403), user("system:anonymous"), id("2")),
				ev("get", "/livez", code(403), user("system:anonymous"), id("3")),
			}},
		{name: "default threshold is 10",
			events: func() []*auditv1.Event {
				var es []*auditv1.Event
				for i := range 10 {
					es = append(es, probe(time.Duration(i)*time.Second, ip("10.9.9."+string(rune('0'+i)))))
				}
				return es
			}(),
			want: []string{`audit/forbidden-burst: 10 responses 401/403 within 1m0s for user "mallory": user "mallory" from 10.9.9.9 list secrets shop/* (403) at 2026-11-26T10:00:09.000000Z`}},

		{name: "unknown source address, once per repeat period",
			cfg: Config{AllowedSourceCIDRs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
			events: []*auditv1.Event{
				ev("get", "/api/v1/namespaces/shop/pods", id("a")),
				ev("get", "/api/v1/namespaces/shop/pods", ip("198.51.100.7"), id("b")),
				ev("get", "/api/v1/namespaces/shop/pods", ip("198.51.100.7"), id("c"), at(time.Minute)),
				ev("get", "/api/v1/namespaces/shop/pods", ip("198.51.100.7"), id("d"), at(11*time.Minute)),
				ev("get", "/api/v1/namespaces/shop/pods", ip("::ffff:10.1.2.3"), id("e")),
				ev("get", "/api/v1/namespaces/shop/pods", ip("203.0.113.1", "10.0.0.5"), id("f")),
			},
			want: []string{
				`audit/unknown-source-ip: request from 198.51.100.7, outside audit.allowedSourceCIDRs: user "alice" from 198.51.100.7 get pods shop/* (200) at ` + ts,
				`audit/unknown-source-ip: request from 198.51.100.7, outside audit.allowedSourceCIDRs: user "alice" from 198.51.100.7 get pods shop/* (200) at 2026-11-26T10:11:00.000000Z`,
				`audit/unknown-source-ip: request from 203.0.113.1, outside audit.allowedSourceCIDRs: user "alice" from 203.0.113.1 get pods shop/* (200) at ` + ts,
			}},
		{name: "unknown source address is off without CIDRs",
			events: []*auditv1.Event{ev("get", "/api/v1/namespaces/shop/pods", ip("198.51.100.7"))}},

		{name: "slow requests, long-running ones aside",
			cfg: Config{SlowRequest: time.Second, Checks: []string{"audit/slow-*"}},
			events: []*auditv1.Event{
				ev("list", "/api/v1/namespaces/shop/pods", took(2500*time.Millisecond), id("1")),
				ev("list", "/api/v1/namespaces/shop/pods", took(time.Second), id("2")),
				ev("watch", "/api/v1/namespaces/shop/pods?watch=true", took(5*time.Minute), id("3")),
				ev("list", "/api/v1/namespaces/shop/pods?watch=1", took(5*time.Minute), id("4")),
				ev("create", "/api/v1/namespaces/shop/pods/web/exec?command=sh", took(10*time.Minute), id("5")),
				ev("get", "/api/v1/namespaces/shop/pods/web/log?follow=true", took(10*time.Minute), id("6")),
				ev("get", "/api/v1/namespaces/shop/pods/web/log", took(3*time.Second), id("7")),
			},
			want: []string{
				`audit/slow-request: request took 2.5s (threshold 1s): user "alice" from 10.1.2.3 list pods shop/* (200) at ` + ts,
				`audit/slow-request: request took 3s (threshold 1s): user "alice" from 10.1.2.3 get pods/log shop/web (200) at ` + ts,
			}},
		{name: "slow request default threshold is 10s",
			events: []*auditv1.Event{ev("list", "/api/v1/pods", took(9*time.Second), id("1")), ev("list", "/api/v1/pods", took(11*time.Second), id("2"))},
			want:   []string{`audit/slow-request: request took 11s (threshold 10s): user "alice" from 10.1.2.3 list pods (200) at ` + ts}},
	})
}
