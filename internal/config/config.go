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
		Enable  []string `yaml:"enable"`
		Disable []string `yaml:"disable"`
	} `yaml:"checks"`
	// Severity overrides the severity of checks by ID.
	Severity map[string]string `yaml:"severity"`
	Limits   struct {
		MaxFileSize int64 `yaml:"maxFileSize"`
	} `yaml:"limits"`
	Audit AuditConfig `yaml:"audit"`
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
	for id, s := range c.Severity {
		if _, err := finding.ParseSeverity(s); err != nil {
			return nil, fmt.Errorf("%s: severity[%s]: %v", path, id, err)
		}
	}
	return c, nil
}
