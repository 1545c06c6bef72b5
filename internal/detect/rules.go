package detect

import (
	"github.com/palisade-dev/palisade/internal/finding"
)

// rule is one detection.
type rule struct {
	finding.Rule
	// allow is who the detection leaves alone by default (replaced by
	// Config.Allowed): the cluster's own components doing their job.
	allow Subjects
	// users and groups are allow, compiled by New.
	users, groups matchers
	// enabled is false for detections that need configuration first
	// (CIDRs, user lists).
	enabled bool
	// match returns one summary per finding the event raises (usually
	// none or one). It may fill in v.res.Name from the object.
	match func(v *view) []string
}

// skips reports whether the event's subject is allowed for this rule.
func (r *rule) skips(v *view) bool {
	if r.users.any(v.user) {
		return true
	}
	if len(r.groups) > 0 {
		for _, g := range v.groups {
			if r.groups.any(g) {
				return true
			}
		}
	}
	return false
}

const helpURI = "https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/"

func newRule(id string, sev finding.Severity, title, rationale, remediation string) *rule {
	return &rule{
		Rule: finding.Rule{
			ID: id, Standard: finding.StandardAudit, Severity: sev,
			Title: title, Rationale: rationale, Remediation: remediation, HelpURI: helpURI,
		},
		enabled: true,
	}
}

func one(s string) []string { return []string{s} }

// Subjects the cluster's own components act as. The API server's loopback
// client (system:apiserver) creates the bootstrap roles and bindings at
// every start; the controller manager and kubelets read secrets and
// request tokens as part of running pods.
var (
	apiserver         = "system:apiserver"
	controllerManager = "system:kube-controller-manager"
	kubeSystemSAs     = "system:serviceaccount:kube-system:*"
	nodes             = "system:nodes"
)

// builtin is the whole list of detections, in the order their findings
// are reported for one event. Stateful detections get fresh state here.
func builtin(cfg *Config) ([]*rule, error) {
	podRules, err := podDetections()
	if err != nil {
		return nil, err
	}
	rules := []*rule{
		podExec(),
		ephemeralContainer(),
		secretRead(),
		anonymousAllowed(),
		forbiddenBurst(cfg),
		unknownSourceIP(cfg),
		slowRequest(cfg),
		privilegedBinding(),
		podRules[0], // audit/privileged-pod
		podRules[1], // audit/pod-security-violation
		tokenRequest(),
		csrApproval(),
		webhookConfigChange(),
		nodeProxy(),
		kubeSystemDelete(),
		disallowedUser(cfg),
		disallowedNamespace(cfg),
		systemRoleChange(),
		wildcardRole(),
		execRole(),
		writeRole(),
		nodePortService(),
		configMapCredentials(),
		podInKubeNamespace(),
		serviceAccountInKubeNamespace(),
		ingressWithoutTLS(),
	}
	return rules, nil
}
