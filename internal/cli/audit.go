package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/palisade-dev/palisade/internal/auditlog"
	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/detect"
	"github.com/palisade-dev/palisade/internal/exception"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/report"
	"github.com/palisade-dev/palisade/internal/version"
)

// formatJSONL is audit's own format: one JSON object per finding, with the
// request's user, groups, sourceIPs, verb, requestURI, auditID and time
// beside the finding's fields. It is the only machine format of streaming
// runs, whose report never ends.
const formatJSONL = "jsonl"

type auditFlags struct {
	format, failOn, configPath, exceptions, metricsAddr string
	checks, skipChecks, stages                          []string
	follow, fromEnd                                     bool
	workers                                             int
	// serve only
	addr, tlsCert, tlsKey string
}

func newAuditCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var f auditFlags
	cmd := &cobra.Command{
		Use:   "audit [FILE|-]...",
		Short: "Detect abuse in Kubernetes audit logs (files, stdin, --follow, or as a webhook backend)",
		Long: `Run detections (audit/...) over Kubernetes audit events (audit.k8s.io/v1):
JSON lines as the log backend writes them, or EventList documents as the
webhook backend sends them; gzipped rotated files too; "-" is stdin.
Files are read in the order given, as one stream: windows span rotations.

--follow FILE reads FILE and then what is appended, across rotations, and
prints findings as they happen (jsonl or text). See also "audit serve".

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it;
2 usage or configuration error; 3 some lines could not be read (each is
reported with its file and line, the rest is still examined).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("audit needs at least one FILE or - for stdin (or: audit serve)")
			}
			return runAudit(cmd.Context(), args, f, stdin, stdout, stderr)
		},
	}
	fl := cmd.PersistentFlags()
	fl.StringVarP(&f.format, "format", "o", "", "output format: "+strings.Join(append(report.Formats(), formatJSONL), ", ")+" (default text; jsonl when streaming)")
	fl.StringVar(&f.failOn, "fail-on", "", "exit 1 when a finding at or above this severity is not excepted (default high)")
	fl.StringVar(&f.configPath, "config", "", "configuration file (default .palisade.yaml when present)")
	fl.StringVar(&f.exceptions, "exceptions", "", "ExceptionList file (checks, resources, users)")
	fl.StringSliceVar(&f.checks, "checks", nil, "only run detections matching these globs (e.g. audit/pod-*)")
	fl.StringSliceVar(&f.skipChecks, "skip-checks", nil, "skip detections matching these globs")
	fl.StringSliceVar(&f.stages, "stage", nil, "audit stages to examine (default ResponseComplete)")
	fl.StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on this address when streaming (serve default :9090)")
	cmd.Flags().BoolVarP(&f.follow, "follow", "f", false, "follow one FILE as it grows and rotates; print findings as they happen")
	cmd.Flags().BoolVar(&f.fromEnd, "from-end", false, "with --follow, skip what FILE already holds")
	cmd.Flags().IntVarP(&f.workers, "workers", "j", 0, "decoding workers (default: number of CPUs)")
	cmd.AddCommand(newAuditServeCmd(&f, stdout, stderr))
	return cmd
}

func newAuditServeCmd(f *auditFlags, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Receive audit events as the API server's webhook backend and print findings as they happen",
		Long: `Serve an audit webhook backend: point the API server's
--audit-webhook-config-file at https://HOST:PORT/ (any path). Findings are
printed as they happen (jsonl or text); metrics are on --metrics-addr
(default :9090; "" turns them off). Stops on interrupt, exit code 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("metrics-addr") {
				f.metricsAddr = ":9090"
			}
			return runAuditServe(cmd.Context(), *f, stdout, stderr)
		},
	}
	cmd.Flags().StringVar(&f.addr, "addr", ":8443", "address to listen on")
	cmd.Flags().StringVar(&f.tlsCert, "tls-cert-file", "", "TLS certificate (with --tls-private-key-file); plain HTTP without")
	cmd.Flags().StringVar(&f.tlsKey, "tls-private-key-file", "", "TLS private key")
	return cmd
}

// auditSetup is what every audit mode needs: the engine, the threshold,
// where findings go.
type auditSetup struct {
	engine *detect.Engine
	failOn finding.Severity
	format string
}

func newAuditSetup(f auditFlags, streaming bool) (*auditSetup, error) {
	cfg, err := loadConfig(f.configPath)
	if err != nil {
		return nil, err
	}
	if err := cfg.Audit.Validate(); err != nil {
		return nil, usageError{fmt.Errorf("%s: %w", orDefault(f.configPath, config.DefaultFile), err)}
	}
	if f.failOn != "" {
		cfg.FailOn = f.failOn
	}
	failOn, err := finding.ParseSeverity(cfg.FailOn)
	if err != nil {
		return nil, usagef("--fail-on: %v", err)
	}
	format := f.format
	switch {
	case format == "" && streaming:
		format = formatJSONL
	case format == "":
		format = "text"
	case streaming && format != formatJSONL && format != "text":
		return nil, usagef("format %q cannot stream: use jsonl or text with --follow and serve", format)
	case format != formatJSONL && !slices.Contains(report.Formats(), format):
		return nil, usagef("unknown format %q (valid: %s, %s)", format, strings.Join(report.Formats(), ", "), formatJSONL)
	}
	dc, err := detectConfig(cfg, f)
	if err != nil {
		return nil, err
	}
	eng, err := detect.New(dc)
	if err != nil {
		return nil, usageError{err}
	}
	return &auditSetup{engine: eng, failOn: failOn, format: format}, nil
}

func orDefault(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// detectConfig merges the file's audit section, the flags and the
// exceptions into the engine's configuration.
func detectConfig(cfg *config.Config, f auditFlags) (detect.Config, error) {
	a := cfg.Audit
	cidrs, _ := a.Prefixes() // validated
	dc := detect.Config{
		Stages:             a.Stages,
		AllowedSourceCIDRs: cidrs,
		SlowRequest:        a.SlowRequestThreshold,
		BurstThreshold:     a.ForbiddenBurst.Threshold,
		BurstWindow:        a.ForbiddenBurst.Window,
		RepeatAfter:        a.UnknownSourceIP.RepeatAfter,
		DedupWindow:        a.DedupWindow,
		AllowedUsers:       a.AllowedUsers,
		AllowedNamespaces:  a.AllowedNamespaces,
		Checks:             append(auditGlobs(cfg.Checks.Enable), f.checks...),
		SkipChecks:         append(slices.Clone(cfg.Checks.Disable), f.skipChecks...),
		Severity:           map[string]finding.Severity{},
		Allowed:            map[string]detect.Subjects{},
	}
	if len(f.stages) > 0 {
		dc.Stages = f.stages
	}
	for id, s := range cfg.Severity {
		dc.Severity[id], _ = finding.ParseSeverity(s) // validated by config.Load
	}
	for id, s := range a.AllowedSubjects {
		dc.Allowed[id] = detect.Subjects{Users: s.Users, Groups: s.Groups}
	}
	// The exceptions of the config file and of --exceptions, as for scan.
	list, err := exception.FromEntries(f.configPath, cfg.Exceptions)
	if err != nil {
		return dc, usageError{err}
	}
	if f.exceptions != "" {
		fromFile, err := exception.Load(f.exceptions)
		if err != nil {
			return dc, usageError{err}
		}
		list = exception.Merge(list, fromFile)
	}
	if len(list.Exceptions) > 0 {
		// Exceptions are judged at the event's time, so re-reading an old
		// log gives the verdicts of that day.
		dc.Except = func(check string, res finding.Resource, user string, at time.Time) bool {
			hit, _ := list.Match(check, res, user, at)
			return hit != nil
		}
	}
	return dc, nil
}

// auditGlobs keeps the checks.enable globs that can name an audit check:
// the file is shared with scan, and `enable: ["pss/*"]` there must not
// switch every detection off here.
func auditGlobs(globs []string) []string {
	var out []string
	for _, g := range globs {
		if strings.HasPrefix(g, "audit/") || strings.HasPrefix("audit/", strings.Split(g, "*")[0]) {
			out = append(out, g)
		}
	}
	return out
}

// alertWriter prints findings one at a time (streaming runs, and jsonl).
type alertWriter struct {
	w      io.Writer
	format string
	enc    *json.Encoder
}

func newAlertWriter(w io.Writer, format string) *alertWriter {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &alertWriter{w: w, format: format, enc: enc}
}

func (a *alertWriter) write(al detect.Alert) error {
	if a.format == formatJSONL {
		return a.enc.Encode(al)
	}
	sup := ""
	if al.Suppressed {
		sup = " (suppressed)"
	}
	_, err := fmt.Fprintf(a.w, "%s:%d: %s %s %s%s\n", al.File, al.Line, strings.ToUpper(al.Severity.String()), al.Check, al.Message, sup)
	return err
}

// runAudit reads files (or follows one) and reports.
func runAudit(ctx context.Context, args []string, f auditFlags, stdin io.Reader, stdout, stderr io.Writer) error {
	if f.fromEnd && !f.follow {
		return usagef("--from-end goes with --follow")
	}
	if f.follow {
		if len(args) != 1 || args[0] == "-" {
			return usagef("--follow takes exactly one FILE")
		}
		return runAuditFollow(ctx, args[0], f, stdout, stderr)
	}
	s, err := newAuditSetup(f, false)
	if err != nil {
		return err
	}
	var (
		stream report.Stream
		lines  *alertWriter
	)
	if s.format == formatJSONL {
		lines = newAlertWriter(stdout, formatJSONL)
	} else {
		v, _ := version.Info()
		stream, err = report.NewStream(s.format, stdout, report.Options{Color: colorFor(stdout), ToolVersion: v})
		if err != nil {
			return usageError{err}
		}
		if err := stream.Begin(s.engine.Rules()); err != nil {
			return fmt.Errorf("writing report: %w", err)
		}
	}
	inputErrors, worst := 0, finding.SeverityNone
	track := func(a detect.Alert) {
		if !a.Suppressed && a.Severity > worst {
			worst = a.Severity
		}
	}
	for _, name := range args {
		if lines != nil {
			// JSON lines go out as they are found, so memory does not grow
			// with the number of findings.
			errs, err := auditFile(ctx, s.engine, name, stdin, f.workers, func(a detect.Alert) error {
				track(a)
				return lines.write(a)
			})
			if err != nil {
				return fmt.Errorf("writing report: %w", err)
			}
			inputErrors += len(errs)
			for _, e := range errs {
				fmt.Fprintf(stderr, "palisade: %v\n", e)
			}
			continue
		}
		var alerts []detect.Alert
		errs, _ := auditFile(ctx, s.engine, name, stdin, f.workers, func(a detect.Alert) error {
			alerts = append(alerts, a)
			return nil
		})
		inputErrors += len(errs)
		// The report formats want each file's findings by line and check.
		slices.SortStableFunc(alerts, func(a, b detect.Alert) int { return finding.Compare(a.Finding, b.Finding) })
		fs := make([]finding.Finding, len(alerts))
		for i, a := range alerts {
			fs[i] = a.Finding
			track(a)
		}
		if err := stream.File(name, fs, errs); err != nil {
			return fmt.Errorf("writing report: %w", err)
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if stream != nil {
		if err := stream.End(s.engine.Stats().Events); err != nil {
			return fmt.Errorf("writing report: %w", err)
		}
	}
	switch {
	case inputErrors > 0:
		return exitError{ExitInput}
	case s.failOn != finding.SeverityNone && worst >= s.failOn:
		return exitError{ExitFindings}
	}
	return nil
}

// auditFile runs one input through the engine, handing each finding to
// sink in log order. Input problems come back as errors; an error from
// sink stops the file and is returned.
func auditFile(ctx context.Context, eng *detect.Engine, name string, stdin io.Reader, workers int, sink func(detect.Alert) error) ([]finding.Error, error) {
	var r io.Reader = stdin
	if name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return []finding.Error{{File: name, Message: openError(err)}}, nil
		}
		defer file.Close()
		r = file
	}
	var errs []finding.Error
	var sinkErr error
	err := auditlog.Read(ctx, r, auditlog.Options{Workers: workers},
		func(rec auditlog.Record) error {
			for _, a := range eng.Observe(rec.Event, name, rec.Line) {
				if sinkErr = sink(a); sinkErr != nil {
					return sinkErr
				}
			}
			return nil
		},
		func(e auditlog.LineError) {
			errs = append(errs, finding.Error{File: name, Line: e.Line, Message: e.Err.Error()})
		})
	if sinkErr != nil {
		return errs, sinkErr
	}
	if err != nil && ctx.Err() == nil {
		errs = append(errs, finding.Error{File: name, Message: err.Error()})
	}
	return errs, nil
}

func openError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// streamer serialises events from any goroutine into the engine and the
// output, which are not safe for concurrent use.
type streamer struct {
	mu     sync.Mutex
	engine *detect.Engine
	out    *alertWriter
	stderr io.Writer
	name   string
}

func (s *streamer) emit(rec auditlog.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.engine.Observe(rec.Event, s.name, rec.Line) {
		if err := s.out.write(a); err != nil {
			return err
		}
	}
	return nil
}

func (s *streamer) fail(e auditlog.LineError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.engine.Metrics != nil {
		s.engine.Metrics.InputError()
	}
	fmt.Fprintf(s.stderr, "palisade: %s:%v\n", s.name, e)
}

func newStreamer(f auditFlags, name string, stdout, stderr io.Writer) (*streamer, *detect.Metrics, error) {
	s, err := newAuditSetup(f, true)
	if err != nil {
		return nil, nil, err
	}
	m := detect.NewMetrics()
	s.engine.Metrics = m
	return &streamer{engine: s.engine, out: newAlertWriter(stdout, s.format), stderr: stderr, name: name}, m, nil
}

// serveMetrics starts the metrics endpoint when addr is set; the returned
// function stops it.
func serveMetrics(addr string, m *detect.Metrics, stderr io.Writer) (func(), error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usagef("--metrics-addr: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "palisade: metrics: %v\n", err)
		}
	}()
	fmt.Fprintf(stderr, "palisade: metrics on http://%s/metrics\n", ln.Addr())
	return func() { _ = srv.Close() }, nil
}

func runAuditFollow(ctx context.Context, path string, f auditFlags, stdout, stderr io.Writer) error {
	s, m, err := newStreamer(f, path, stdout, stderr)
	if err != nil {
		return err
	}
	stop, err := serveMetrics(f.metricsAddr, m, stderr)
	if err != nil {
		return err
	}
	defer stop()
	return auditlog.Follow(ctx, path, auditlog.FollowOptions{FromEnd: f.fromEnd}, s.emit, s.fail)
}

func runAuditServe(ctx context.Context, f auditFlags, stdout, stderr io.Writer) error {
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return usagef("--tls-cert-file and --tls-private-key-file go together")
	}
	s, m, err := newStreamer(f, "webhook", stdout, stderr)
	if err != nil {
		return err
	}
	stopMetrics, err := serveMetrics(f.metricsAddr, m, stderr)
	if err != nil {
		return err
	}
	defer stopMetrics()
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return usagef("--addr: %v", err)
	}
	srv := &http.Server{Handler: auditHandler(s), ReadHeaderTimeout: 10 * time.Second}
	scheme := "http"
	if f.tlsCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stderr, "palisade: audit webhook backend on %s://%s/\n", scheme, ln.Addr())
	done := make(chan error, 1)
	go func() {
		if f.tlsCert != "" {
			done <- srv.ServeTLS(ln, f.tlsCert, f.tlsKey)
			return
		}
		done <- srv.Serve(ln)
	}()
	select {
	case err := <-done:
		return fmt.Errorf("audit serve: %w", err)
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
		return nil
	}
}

// auditHandler is what `audit serve` serves.
func auditHandler(s *streamer) http.Handler { return auditlog.Handler(s.emit, s.fail) }
