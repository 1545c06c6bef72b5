package detect

import (
	"fmt"
	"net/netip"
	"slices"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"github.com/palisade-dev/palisade/internal/finding"
)

// Detections over many events or over configured limits.

// audit/forbidden-burst: many 401/403 responses for one user or one
// address within a window: credential guessing, or a stolen credential
// probing what it may do (the first thing tools such as kubectl auth
// can-i --list or peirates do).
func forbiddenBurst(cfg *Config) *rule {
	r := newRule("audit/forbidden-burst", finding.SeverityMedium,
		"Burst of 401/403 responses for one user or address",
		"A legitimate client rarely fails authentication or authorization over and over; a burst is someone guessing credentials or enumerating the rights of a stolen one.",
		"Find the client behind the user or address; revoke the credential if it is not expected to be used there; tune audit.forbiddenBurst.threshold and window.")
	byUser, byIP := newBurst(cfg.BurstThreshold, cfg.BurstWindow), newBurst(cfg.BurstThreshold, cfg.BurstWindow)
	what := fmt.Sprintf("%d responses 401/403 within %v", cfg.BurstThreshold, cfg.BurstWindow)
	r.match = func(v *view) []string {
		if (v.code != 401 && v.code != 403) || v.healthCheck() {
			return nil
		}
		var out []string
		// A 401 has no user (authentication failed): only its address counts.
		if v.user != "" && byUser.add(v.user, v.time) {
			out = append(out, what+" for user "+fmt.Sprintf("%q", v.user))
		}
		if v.ip != "" && byIP.add(v.ip, v.time) {
			out = append(out, what+" from address "+v.ip)
		}
		return out
	}
	return r
}

// audit/unknown-source-ip: a request from an address outside
// audit.allowedSourceCIDRs (off until they are set). Every address of
// sourceIPs is checked: the last is the peer the API server saw, earlier
// ones come from X-Forwarded-For and are what a proxy claims. Each address
// is reported once per audit.unknownSourceIP.repeatAfter.
func unknownSourceIP(cfg *Config) *rule {
	r := newRule("audit/unknown-source-ip", finding.SeverityHigh,
		"Request from an address outside the allowed networks",
		"The API server should only be reached from known networks (nodes, bastions, CI); a request from elsewhere means an exposed endpoint or credentials used from outside.",
		"Restrict access to the API endpoint (firewall, authorized networks, private endpoint); add the network to audit.allowedSourceCIDRs if expected.")
	r.enabled = len(cfg.AllowedSourceCIDRs) > 0
	seen := newQuiet(cfg.RepeatAfter)
	r.match = func(v *view) []string {
		for _, s := range v.ev.SourceIPs {
			a, err := netip.ParseAddr(s)
			if err != nil {
				continue
			}
			a = a.Unmap()
			if slices.ContainsFunc(cfg.AllowedSourceCIDRs, func(p netip.Prefix) bool { return p.Contains(a) }) {
				continue
			}
			if seen.first(s, v.time) {
				return one("request from " + s + ", outside audit.allowedSourceCIDRs")
			}
			return nil
		}
		return nil
	}
	return r
}

// audit/slow-request: a request whose latency (stage timestamp minus
// received timestamp) is over audit.slowRequestThreshold. Long-running
// requests by design (watches, exec/attach/port-forward, proxies, followed
// logs) are left out.
func slowRequest(cfg *Config) *rule {
	r := newRule("audit/slow-request", finding.SeverityLow,
		"API request slower than the threshold",
		"Requests that take seconds point at an overloaded API server or etcd, a slow admission webhook, or very large lists: each is a denial of service waiting to happen.",
		"Find what is slow (the API server's request traces, webhook latency metrics); paginate large lists; raise audit.slowRequestThreshold if it is expected.")
	r.match = func(v *view) []string {
		if v.ev.Stage != auditv1.StageResponseComplete || v.ev.Verb == "watch" || v.ev.RequestReceivedTimestamp.IsZero() {
			return nil
		}
		switch v.subresource {
		case "exec", "attach", "portforward", "proxy":
			return nil
		case "log":
			if slices.Contains(v.query("follow"), "true") {
				return nil
			}
		}
		if slices.Contains(v.query("watch"), "true") || slices.Contains(v.query("watch"), "1") {
			return nil
		}
		d := v.ev.StageTimestamp.Sub(v.ev.RequestReceivedTimestamp.Time)
		if d <= cfg.SlowRequest {
			return nil
		}
		return one(fmt.Sprintf("request took %v (threshold %v)", d, cfg.SlowRequest))
	}
	return r
}
