// Package config is the one configuration file, .palisade.yaml, loaded
// strictly: an unknown key is an error naming the key and its line.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/palisade-dev/palisade/internal/exception"
	"github.com/palisade-dev/palisade/internal/finding"
)

// DefaultFile is read from the working directory when --config is not given.
const DefaultFile = ".palisade.yaml"

// Config is the whole file. Command-line flags override it.
type Config struct {
	PSS struct {
		Level   string `yaml:"level"`
		Version string `yaml:"version"`
	} `yaml:"pss"`
	FailOn string `yaml:"failOn"`
	Checks struct {
		Enable      []string `yaml:"enable"`
		Disable     []string `yaml:"disable"`
		CheckParams `yaml:",inline"`
	} `yaml:"checks"`
	// Policies are folders or files of Rego and Gatekeeper policies, as
	// --policy; relative paths are taken from the working directory.
	Policies []string `yaml:"policies"`
	// Exceptions are entries of the one exception format, as in an
	// ExceptionList file.
	Exceptions []exception.Entry `yaml:"exceptions"`
	// Severity overrides the severity of checks by ID.
	Severity map[string]string `yaml:"severity"`
	Limits   struct {
		MaxFileSize int64 `yaml:"maxFileSize"`
	} `yaml:"limits"`
	Audit   AuditConfig   `yaml:"audit"`
	Webhook WebhookConfig `yaml:"webhook"`
}

// CheckParams are the typed parameters of the built-in checks.
type CheckParams struct {
	// TrustedRegistries are globs (path.Match) over the image's registry and
	// repository, e.g. "ghcr.io/acme/*"; bp/untrusted-registry is silent
	// while the list is empty.
	TrustedRegistries []string `yaml:"trustedRegistries"`
	// HighPriorityClasses are PriorityClass names (globs) reserved to
	// PriorityClassNamespaces; system-*-critical are always included.
	HighPriorityClasses     []string `yaml:"highPriorityClasses"`
	PriorityClassNamespaces []string `yaml:"priorityClassNamespaces"`
	// SecretEnvPatterns are globs over env var names that look like
	// credentials when given a literal value; built-in defaults when empty.
	SecretEnvPatterns []string `yaml:"secretEnvPatterns"`
	// MaxEnforceVersionLag is how many minor versions an enforce-version
	// label may lag behind the newest supported one (default 4).
	MaxEnforceVersionLag int `yaml:"maxEnforceVersionLag"`
}

// Default is the configuration when no file is present.
func Default() *Config {
	c := &Config{FailOn: "high"}
	c.PSS.Level, c.PSS.Version = "restricted", "latest"
	return c
}

var lineRE = regexp.MustCompile(`line (\d+): `)

// Load reads path strictly over the defaults.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	c := Default()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
		msg = strings.TrimSpace(msg)
		if m := lineRE.FindStringSubmatch(msg); m != nil {
			return nil, fmt.Errorf("%s:%s: %s", path, m[1], strings.Replace(msg, m[0], "", 1))
		}
		return nil, fmt.Errorf("%s: %s", path, msg)
	}
	if _, err := finding.ParseSeverity(c.FailOn); err != nil {
		return nil, fmt.Errorf("%s: failOn: %v", path, err)
	}
	if _, err := exception.FromEntries(path, c.Exceptions); err != nil {
		return nil, err
	}
	for id, s := range c.Severity {
		if _, err := finding.ParseSeverity(s); err != nil {
			return nil, fmt.Errorf("%s: severity[%s]: %v", path, id, err)
		}
	}
	return c, nil
}
