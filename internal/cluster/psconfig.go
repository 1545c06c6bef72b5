package cluster

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	admissionapi "k8s.io/pod-security-admission/admission/api"
	"k8s.io/pod-security-admission/admission/api/load"
	"k8s.io/pod-security-admission/admission/api/validation"
	"k8s.io/pod-security-admission/api"
	"sigs.k8s.io/yaml"
)

// DefaultAdmission is what an API server without an admission
// configuration file applies: privileged:latest, no exemptions.
func DefaultAdmission() (api.Policy, Exemptions) {
	lv := api.LevelVersion{Level: api.LevelPrivileged, Version: api.LatestVersion()}
	return api.Policy{Enforce: lv, Audit: lv, Warn: lv}, Exemptions{}
}

// LoadPodSecurityConfig reads the API server's Pod Security admission
// configuration with upstream's own loader and validation: a
// PodSecurityConfiguration document, or the AdmissionConfiguration file
// given to --admission-control-config-file, whose PodSecurity plugin entry
// holds it inline or names its file.
func LoadPodSecurityConfig(path string) (api.Policy, Exemptions, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return api.Policy{}, Exemptions{}, fmt.Errorf("pod security config: %w", err)
	}
	if data, err = podSecurityDocument(path, data); err != nil {
		return api.Policy{}, Exemptions{}, fmt.Errorf("pod security config %s: %w", path, err)
	}
	cfg, err := load.LoadFromData(data)
	if err != nil {
		return api.Policy{}, Exemptions{}, fmt.Errorf("pod security config %s: %w", path, err)
	}
	if errs := validation.ValidatePodSecurityConfiguration(cfg); len(errs) > 0 {
		return api.Policy{}, Exemptions{}, fmt.Errorf("pod security config %s: %w", path, errs.ToAggregate())
	}
	pol, err := admissionapi.ToPolicy(cfg.Defaults)
	if err != nil {
		return api.Policy{}, Exemptions{}, fmt.Errorf("pod security config %s: %w", path, err)
	}
	return pol, Exemptions{Namespaces: cfg.Exemptions.Namespaces, RuntimeClasses: cfg.Exemptions.RuntimeClasses}, nil
}

// podSecurityDocument returns the PodSecurityConfiguration inside an
// AdmissionConfiguration, or data itself when it is not one.
func podSecurityDocument(path string, data []byte) ([]byte, error) {
	var head struct {
		Kind    string `json:"kind"`
		Plugins []struct {
			Name          string          `json:"name"`
			Path          string          `json:"path"`
			Configuration json.RawMessage `json:"configuration"`
		} `json:"plugins"`
	}
	if err := yaml.Unmarshal(data, &head); err != nil || head.Kind != "AdmissionConfiguration" {
		return data, nil // upstream's loader reports what is wrong
	}
	for _, p := range head.Plugins {
		if p.Name != "PodSecurity" {
			continue
		}
		if len(p.Configuration) > 0 {
			return p.Configuration, nil
		}
		if p.Path != "" {
			f := p.Path
			if !filepath.IsAbs(f) {
				f = filepath.Join(filepath.Dir(path), f)
			}
			return os.ReadFile(f)
		}
	}
	return nil, fmt.Errorf("AdmissionConfiguration has no PodSecurity plugin configuration")
}
