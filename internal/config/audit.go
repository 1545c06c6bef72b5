package config

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// AuditConfig is the `audit:` section: what `palisade audit` detects and
// whom it leaves alone. Zero values mean the defaults of docs/audit.md.
type AuditConfig struct {
	// Stages examined (default [ResponseComplete]); events of other stages
	// are skipped, and each auditID+stage is examined once.
	Stages []string `yaml:"stages"`
	// AllowedSourceCIDRs enables audit/unknown-source-ip.
	AllowedSourceCIDRs []string `yaml:"allowedSourceCIDRs"`
	// SlowRequestThreshold for audit/slow-request, e.g. "10s".
	SlowRequestThreshold time.Duration `yaml:"slowRequestThreshold"`
	ForbiddenBurst       struct {
		Threshold int           `yaml:"threshold"`
		Window    time.Duration `yaml:"window"`
	} `yaml:"forbiddenBurst"`
	UnknownSourceIP struct {
		RepeatAfter time.Duration `yaml:"repeatAfter"`
	} `yaml:"unknownSourceIP"`
	// DedupWindow is how long an auditID+stage is remembered.
	DedupWindow time.Duration `yaml:"dedupWindow"`
	// AllowedSubjects replaces, per check ID, the subjects a detection
	// leaves alone (globs with '*').
	AllowedSubjects map[string]AuditSubjects `yaml:"allowedSubjects"`
	// AllowedUsers enables audit/disallowed-user.
	AllowedUsers []string `yaml:"allowedUsers"`
	// AllowedNamespaces enables audit/disallowed-namespace.
	AllowedNamespaces []string `yaml:"allowedNamespaces"`
}

// AuditSubjects are users and groups, by glob.
type AuditSubjects struct {
	Users  []string `yaml:"users"`
	Groups []string `yaml:"groups"`
}

// Prefixes parses AllowedSourceCIDRs; a bare address is a /32 or /128.
func (a *AuditConfig) Prefixes() ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(a.AllowedSourceCIDRs))
	for _, s := range a.AllowedSourceCIDRs {
		if !strings.Contains(s, "/") {
			addr, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("audit.allowedSourceCIDRs: %q is not a CIDR or an address", s)
			}
			out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("audit.allowedSourceCIDRs: %q is not a CIDR or an address", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Validate reports values that parse as YAML but make no sense.
func (a *AuditConfig) Validate() error {
	if _, err := a.Prefixes(); err != nil {
		return err
	}
	switch {
	case a.SlowRequestThreshold < 0:
		return fmt.Errorf("audit.slowRequestThreshold must not be negative")
	case a.ForbiddenBurst.Threshold < 0:
		return fmt.Errorf("audit.forbiddenBurst.threshold must not be negative")
	case a.ForbiddenBurst.Window < 0, a.UnknownSourceIP.RepeatAfter < 0, a.DedupWindow < 0:
		return fmt.Errorf("audit windows must not be negative")
	}
	return nil
}
