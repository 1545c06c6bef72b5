package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/cluster"
	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/exception"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/report"
	"github.com/palisade-dev/palisade/internal/version"
)

// clusterFlags are shared by `cluster scan` and `cluster preview`.
type clusterFlags struct {
	kubeconfig, context, namespace, format, configPath, exceptions string
	allObjects                                                     bool
	pageSize                                                       int64
	workers                                                        int

	// scan
	level, version, failOn string
	checks, skipChecks     []string

	// preview
	previewLevel, previewVersion, podSecurityConfig string
	outputManifest                                  bool
}

func newClusterCmd(stdout, stderr io.Writer) *cobra.Command {
	var f clusterFlags
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Read-only posture scan and Pod Security preview of a live cluster",
		Long: `Read a live cluster through the kubeconfig (--kubeconfig, else $KUBECONFIG, else
~/.kube/config; in a pod without one, its service account), with list calls
only. deploy/cluster-reader-rbac.yaml grants exactly what it needs.`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default $KUBECONFIG or ~/.kube/config; in-cluster config when there is none)")
	pf.StringVar(&f.context, "context", "", "kubeconfig context (default the current context)")
	pf.StringVarP(&f.namespace, "namespace", "n", "", "only this namespace (default every namespace)")
	pf.StringVar(&f.configPath, "config", "", "configuration file (default .palisade.yaml when present)")
	pf.StringVar(&f.exceptions, "exceptions", "", "ExceptionList file (palisade.dev/v1), added to the exceptions of the config file")
	pf.BoolVar(&f.allObjects, "all-objects", false, "report every object, not each controller's pods and ReplicaSets once at their owner")
	pf.Int64Var(&f.pageSize, "page-size", 500, "objects per list call")
	pf.IntVarP(&f.workers, "workers", "j", 0, "parallel workers (default: number of CPUs)")

	scan := &cobra.Command{
		Use:   "scan",
		Short: "Scan every workload and policy of a live cluster, with a posture table per namespace",
		Long: `Scan a live cluster with the same checks, policies and exceptions as
"palisade scan": each namespace is one report unit (cluster:CONTEXT/NAMESPACE,
cluster-scoped objects under cluster:CONTEXT). Objects a controller owns are
reported once at the owner unless --all-objects. Text and JSON output end
with the namespace posture table.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it;
2 usage or configuration error, or the cluster could not be read at all;
3 some kinds could not be listed (each named, with the verb); the rest was
scanned.`,
		Args: exactArgsOrUsage(0),
		RunE: func(cmd *cobra.Command, _ []string) error { return runClusterScan(cmd.Context(), f, stdout, stderr) },
	}
	sf := scan.Flags()
	sf.StringVar(&f.level, "pss-level", "", "Pod Security level for namespaces without an enforce label (default restricted)")
	sf.StringVar(&f.version, "pss-version", "", "Pod Security version: v1.N or latest (default latest)")
	sf.StringVarP(&f.format, "format", "o", "text", "output format: "+strings.Join(report.Formats(), ", "))
	sf.StringVar(&f.failOn, "fail-on", "", "exit 1 when a finding at or above this severity is not excepted (default high)")
	sf.StringSliceVar(&f.checks, "checks", nil, "only run checks matching these globs (e.g. pss/*)")
	sf.StringSliceVar(&f.skipChecks, "skip-checks", nil, "skip checks matching these globs")

	preview := &cobra.Command{
		Use:   "preview --level LEVEL [--version V]",
		Short: "Show what enforcing a Pod Security level would reject, namespace by namespace",
		Long: `For each namespace, the pods the API server would reject if --level were
enforced now (grouped by the controller that owns them, with the failing
checks and fields), and the controllers whose pod template would be warned.
Exemptions and defaults come from --pod-security-config (the API server's
PodSecurityConfiguration, or its AdmissionConfiguration file).

Exit codes: 0 nothing would break; 1 some pod would be rejected (pods whose
every failure is excepted do not count); 2 usage or configuration error;
3 some kinds could not be listed.`,
		Args: exactArgsOrUsage(0),
		RunE: func(cmd *cobra.Command, _ []string) error { return runClusterPreview(cmd.Context(), f, stdout, stderr) },
	}
	vf := preview.Flags()
	vf.StringVar(&f.previewLevel, "level", "", "level to preview: baseline or restricted (required)")
	vf.StringVar(&f.previewVersion, "version", "latest", "Pod Security version to preview: v1.N or latest")
	vf.StringVarP(&f.format, "format", "o", "text", "output format: text, json")
	vf.StringVar(&f.podSecurityConfig, "pod-security-config", "", "PodSecurityConfiguration (or AdmissionConfiguration) file of the API server: defaults and exemptions")
	vf.BoolVar(&f.outputManifest, "output-manifest", false, "print the kubectl label commands that raise each namespace that would not break, instead of the report")

	cmd.AddCommand(scan, preview)
	return cmd
}

// engineOptions builds the engine options from the config file and flags,
// as `palisade scan` does.
func engineOptions(cfg *config.Config, configPath, exceptions string, checks, skip []string, defaults api.Policy) (engine.Options, error) {
	sev := map[string]finding.Severity{}
	for id, s := range cfg.Severity {
		sev[id], _ = finding.ParseSeverity(s)
	}
	exc, err := exception.FromEntries(configPath, cfg.Exceptions)
	if err != nil {
		return engine.Options{}, usageError{err}
	}
	if exceptions != "" {
		fromFile, err := exception.Load(exceptions)
		if err != nil {
			return engine.Options{}, usageError{err}
		}
		exc = exception.Merge(exc, fromFile)
	}
	return engine.Options{
		Defaults:   defaults,
		Checks:     append(cfg.Checks.Enable, checks...),
		SkipChecks: append(cfg.Checks.Disable, skip...),
		Severity:   sev,
		Params:     cfg.Checks.CheckParams,
		Exceptions: exc,
	}, nil
}

// readCluster connects and lists kinds, printing each problem to stderr
// as a warning. A cluster from which nothing at all could be read is an
// error: exit 2, nothing was scanned.
func readCluster(ctx context.Context, f clusterFlags, kinds []cluster.Kind, stderr io.Writer) (*cluster.Snapshot, []cluster.Problem, error) {
	conn, err := cluster.Connect(f.kubeconfig, f.context)
	if err != nil {
		return nil, nil, usageError{err}
	}
	if f.pageSize <= 0 || f.workers < 0 {
		return nil, nil, usagef("--page-size must be positive and --workers not negative")
	}
	var bar *cluster.Bar
	opts := cluster.ListOptions{Namespace: f.namespace, PageSize: f.pageSize}
	if isTerminal(stderr) {
		bar = cluster.NewBar(stderr)
		opts.Progress = bar
	}
	snap, problems, err := cluster.List(ctx, conn.Config, conn.Context, kinds, opts)
	if bar != nil {
		bar.Done()
	}
	if err != nil {
		return nil, nil, err
	}
	unreachable := len(problems) == len(kinds)
	for _, p := range problems {
		unreachable = unreachable && !p.Forbidden && !p.NotServed
	}
	if unreachable && len(problems) > 0 {
		return nil, nil, usagef("cannot read the cluster of context %s at %s: %v", conn.Context, conn.Config.Host, problems[0].Err)
	}
	for _, p := range problems {
		fmt.Fprintf(stderr, "palisade: warning: %s\n", p.Error())
	}
	return snap, problems, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func runClusterScan(ctx context.Context, f clusterFlags, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(f.configPath)
	if err != nil {
		return err
	}
	for dst, v := range map[*string]string{&cfg.PSS.Level: f.level, &cfg.PSS.Version: f.version, &cfg.FailOn: f.failOn} {
		if v != "" {
			*dst = v
		}
	}
	lv, err := parseLevelVersion(cfg.PSS.Level, cfg.PSS.Version)
	if err != nil {
		return err
	}
	failOn, err := finding.ParseSeverity(cfg.FailOn)
	if err != nil {
		return usagef("--fail-on: %v", err)
	}
	eo, err := engineOptions(cfg, f.configPath, f.exceptions, f.checks, f.skipChecks, api.Policy{Enforce: lv, Audit: lv, Warn: lv})
	if err != nil {
		return err
	}
	eng, err := engine.New(eo)
	if err != nil {
		return usageError{err}
	}
	v, _ := version.Info()
	// The JSON report gains the posture table as one more key, so it is
	// rendered to a buffer-backed writer that holds back the closing brace.
	jw := &jsonTail{w: stdout}
	var out io.Writer = stdout
	if f.format == "json" {
		out = jw
	}
	rep, err := report.NewStream(f.format, out, report.Options{Color: colorFor(stdout), ToolVersion: v})
	if err != nil {
		return usageError{err}
	}
	snap, problems, err := readCluster(ctx, f, cluster.KindsFor(cluster.ForScan, eng.CheckKinds()), stderr)
	if err != nil {
		return err
	}
	if err := rep.Begin(eng.Rules()); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	so := cluster.ScanOptions{AllObjects: f.allObjects, Workers: f.workers, Version: lv.Version}
	var bar *cluster.Bar
	if isTerminal(stderr) {
		bar = cluster.NewBar(stderr)
		so.Progress = bar
	}
	res, err := cluster.Scan(ctx, eng, snap, problems, so, rep)
	if bar != nil {
		bar.Done()
	}
	if err == nil {
		err = rep.End(res.Resources)
	}
	if err == nil {
		err = writePosture(f.format, stdout, jw, res)
	}
	if err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	switch {
	case res.Errors > 0:
		return exitError{ExitInput}
	case failOn != finding.SeverityNone && res.Worst >= failOn:
		return exitError{ExitFindings}
	}
	return nil
}

// writePosture appends the posture table: a text table after the text
// report, a "posture" key in the JSON report; other formats carry the
// findings only.
func writePosture(format string, stdout io.Writer, jw *jsonTail, res *cluster.ScanResult) error {
	switch format {
	case "text":
		if _, err := fmt.Fprintf(stdout, "\nNamespace posture (cluster-scoped RBAC findings: %d)\n", res.ClusterRBACFindings); err != nil {
			return err
		}
		return cluster.WritePostureTable(stdout, res.Posture)
	case "json":
		return jw.close(map[string]any{"posture": res.Posture, "clusterRBACFindings": res.ClusterRBACFindings})
	}
	return nil
}

// jsonTail passes a JSON document through but holds back its last bytes,
// so that close can add keys before the closing brace.
type jsonTail struct {
	w    io.Writer
	held []byte
}

func (j *jsonTail) Write(p []byte) (int, error) {
	j.held = append(j.held, p...)
	const keep = 8
	if len(j.held) > keep {
		n := len(j.held) - keep
		if _, err := j.w.Write(j.held[:n]); err != nil {
			return 0, err
		}
		j.held = append(j.held[:0], j.held[n:]...)
	}
	return len(p), nil
}

// close writes the held bytes with extra's keys (in this order: posture,
// clusterRBACFindings) inserted before the final "}".
func (j *jsonTail) close(extra map[string]any) error {
	tail := bytes.TrimRight(j.held, "\n")
	if !bytes.HasSuffix(tail, []byte("}")) {
		return fmt.Errorf("JSON report does not end with }")
	}
	body := bytes.TrimRight(tail[:len(tail)-1], "\n ")
	var b bytes.Buffer
	b.Write(body)
	for _, k := range []string{"posture", "clusterRBACFindings"} {
		v, err := json.MarshalIndent(extra[k], "  ", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, ",\n  %q: %s", k, v)
	}
	b.WriteString("\n}\n")
	_, err := j.w.Write(b.Bytes())
	return err
}

func runClusterPreview(ctx context.Context, f clusterFlags, stdout, stderr io.Writer) error {
	if f.previewLevel == "" {
		return usagef("cluster preview needs --level baseline or --level restricted")
	}
	target, err := parseLevelVersion(f.previewLevel, f.previewVersion)
	if err != nil {
		return usagef("--level %q --version %q: want a level (baseline, restricted) and v1.N or latest", f.previewLevel, f.previewVersion)
	}
	if f.format != "text" && f.format != "json" {
		return usagef("unknown format %q (valid: json, text)", f.format)
	}
	cfg, err := loadConfig(f.configPath)
	if err != nil {
		return err
	}
	defaults, exemptions := cluster.DefaultAdmission()
	if f.podSecurityConfig != "" {
		if defaults, exemptions, err = cluster.LoadPodSecurityConfig(f.podSecurityConfig); err != nil {
			return usageError{err}
		}
	}
	eo, err := engineOptions(cfg, f.configPath, f.exceptions, nil, nil, api.Policy{})
	if err != nil {
		return err
	}
	eng, err := engine.New(cluster.PreviewEngineOptions(eo, target))
	if err != nil {
		return usageError{err}
	}
	snap, problems, err := readCluster(ctx, f, cluster.KindsFor(cluster.ForPreview, nil), stderr)
	if err != nil {
		return err
	}
	p, err := cluster.RunPreview(eng, snap, problems, cluster.PreviewOptions{
		Target: target, Defaults: defaults, Exemptions: exemptions, AllObjects: f.allObjects})
	if err != nil {
		return err
	}
	switch {
	case f.outputManifest:
		err = cluster.WriteLabelCommands(stdout, p)
	case f.format == "json":
		err = cluster.WritePreviewJSON(stdout, p)
	default:
		err = cluster.WritePreviewText(stdout, p)
	}
	if err != nil {
		return fmt.Errorf("writing preview: %w", err)
	}
	breaks := false
	for i := range p.Namespaces {
		breaks = breaks || p.Namespaces[i].Breaks()
	}
	switch {
	case len(p.Errors) > 0:
		return exitError{ExitInput}
	case breaks:
		return exitError{ExitFindings}
	}
	return nil
}
