package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/exception"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/load"
	"github.com/palisade-dev/palisade/internal/report"
	"github.com/palisade-dev/palisade/internal/scan"
	"github.com/palisade-dev/palisade/internal/version"
)

type scanFlags struct {
	level, version, format, failOn, configPath, exceptions string
	checks, skipChecks                                     []string
	maxFileSize                                            int64
	workers                                                int
	policy                                                 policyFlags // --policy & co (policy.go)
	helm                                                   load.HelmOptions
	noRender                                               bool
}

func newScanCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan [PATH|-]...",
		Short: "Scan manifests (files, folders, stdin) against the Pod Security Standards",
		Long: `Scan YAML and JSON manifests (multi-document, kind: List) in files, folders
(recursive, sorted) and stdin ("-"). Every object that runs pods is judged as
Pod Security Admission would judge the pod it creates, at --pss-level and
--pss-version, or at the enforce labels of its Namespace when that Namespace
is in the input.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it;
2 usage or configuration error; 3 some inputs could not be read or parsed.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("scan needs at least one PATH or - for stdin")
			}
			return runScan(cmd, args, f, stdin, stdout)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.level, "pss-level", "", "Pod Security level for namespaces without an enforce label: privileged, baseline, restricted (default restricted)")
	fl.StringVar(&f.version, "pss-version", "", "Pod Security version: v1.N or latest (default latest)")
	fl.StringVarP(&f.format, "format", "o", "text", "output format: "+strings.Join(report.Formats(), ", "))
	fl.StringVar(&f.failOn, "fail-on", "", "exit 1 when a finding at or above this severity is not excepted: none, low, medium, high, critical (default high)")
	fl.StringVar(&f.configPath, "config", "", "configuration file (default .palisade.yaml when present)")
	fl.StringVar(&f.exceptions, "exceptions", "", "ExceptionList file (palisade.dev/v1), added to the exceptions of the config file")
	fl.StringSliceVar(&f.checks, "checks", nil, "only run checks matching these globs (e.g. pss/*)")
	fl.StringSliceVar(&f.skipChecks, "skip-checks", nil, "skip checks matching these globs")
	fl.Int64Var(&f.maxFileSize, "max-file-size", 0, fmt.Sprintf("largest input accepted, in bytes (default %d)", load.DefaultMaxFileSize))
	fl.IntVarP(&f.workers, "workers", "j", 0, "parallel workers (default: number of CPUs)")
	f.policy.register(fl) // --policy, --policy-namespace, --rego-version (policy.go)
	fl.StringArrayVar(&f.helm.Values, "values", nil, "Helm: values file for every chart scanned (repeatable, later files win)")
	fl.StringArrayVar(&f.helm.Set, "set", nil, "Helm: set values (key1=val1,key2=val2; repeatable)")
	fl.StringArrayVar(&f.helm.SetString, "set-string", nil, "Helm: set STRING values (key1=val1,key2=val2; repeatable)")
	fl.StringVar(&f.helm.KubeVersion, "kube-version", "", "Helm: Kubernetes version for .Capabilities.KubeVersion and kubeVersion checks")
	fl.StringSliceVar(&f.helm.APIVersions, "api-versions", nil, "Helm: Kubernetes API versions added to .Capabilities.APIVersions")
	fl.StringVar(&f.helm.ReleaseName, "release-name", "", `Helm: release name (default "release-name")`)
	fl.StringVar(&f.helm.Namespace, "namespace", "", `Helm: release namespace (default "default")`)
	fl.BoolVar(&f.noRender, "no-render", false, "read Helm charts and Kustomize overlays as plain YAML files instead of rendering them")
	return cmd
}

func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		if _, err := os.Stat(config.DefaultFile); errors.Is(err, fs.ErrNotExist) {
			return config.Default(), nil
		}
		path = config.DefaultFile
	}
	c, err := config.Load(path)
	if err != nil {
		return nil, usageError{err}
	}
	return c, nil
}

func runScan(cmd *cobra.Command, args []string, f scanFlags, stdin io.Reader, stdout io.Writer) error {
	cfg, err := loadConfig(f.configPath)
	if err != nil {
		return err
	}
	// Flags win over the file.
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cfg.PSS.Level, f.level)
	set(&cfg.PSS.Version, f.version)
	set(&cfg.FailOn, f.failOn)
	if f.maxFileSize > 0 {
		cfg.Limits.MaxFileSize = f.maxFileSize
	}
	if f.maxFileSize < 0 || f.workers < 0 {
		return usagef("--max-file-size and --workers must not be negative")
	}

	lv, err := parseLevelVersion(cfg.PSS.Level, cfg.PSS.Version)
	if err != nil {
		return err
	}
	failOn, err := finding.ParseSeverity(cfg.FailOn)
	if err != nil {
		return usagef("--fail-on: %v", err)
	}
	sev := map[string]finding.Severity{}
	for id, s := range cfg.Severity {
		sev[id], _ = finding.ParseSeverity(s)
	}
	exc, err := exception.FromEntries(f.configPath, cfg.Exceptions)
	if err != nil {
		return usageError{err}
	}
	if f.exceptions != "" {
		fromFile, err := exception.Load(f.exceptions)
		if err != nil {
			return usageError{err}
		}
		exc = exception.Merge(exc, fromFile)
	}
	// Custom Rego policies (policy.go), compiled once before the engine;
	// the config file's folders come first, then --policy.
	f.policy.dirs = append(append([]string{}, cfg.Policies...), f.policy.dirs...)
	policies, err := f.policy.load(cmd.Context(), cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	eng, err := engine.New(engine.Options{
		Policies:   policies,
		Defaults:   api.Policy{Enforce: lv, Audit: lv, Warn: lv},
		Checks:     append(cfg.Checks.Enable, f.checks...),
		SkipChecks: append(cfg.Checks.Disable, f.skipChecks...),
		Severity:   sev,
		Params:     cfg.Checks.CheckParams,
		Exceptions: exc,
	})
	if err != nil {
		return usageError{err}
	}
	v, _ := version.Info()

	out, err := report.NewStream(f.format, stdout, report.Options{Color: colorFor(stdout), ToolVersion: v})
	if err != nil {
		return usageError{err}
	}
	if err := out.Begin(eng.Rules()); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	keep, keepKind := policies.Keeper() // objects for Gatekeeper's data.inventory, kept in the first pass
	stats, err := scan.Run(cmd.Context(), eng, args, stdin, scan.Options{
		Keep:        keep,
		KeepKind:    keepKind,
		MaxFileSize: cfg.Limits.MaxFileSize,
		Workers:     f.workers,
		Load:        load.Options{Helm: f.helm, NoRender: f.noRender},
	}, out)
	if err == nil {
		err = out.End(stats.Resources)
	}
	if err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	switch {
	case stats.Errors > 0:
		return exitError{ExitInput}
	case failOn != finding.SeverityNone && stats.Worst >= failOn:
		return exitError{ExitFindings}
	}
	return nil
}

func parseLevelVersion(level, ver string) (api.LevelVersion, error) {
	l, err := api.ParseLevel(level)
	if err != nil {
		return api.LevelVersion{}, usagef("--pss-level %q: want privileged, baseline or restricted", level)
	}
	v, err := api.ParseVersion(ver)
	if err != nil {
		return api.LevelVersion{}, usagef("--pss-version %q: want v1.N or latest", ver)
	}
	return api.LevelVersion{Level: l, Version: v}, nil
}
