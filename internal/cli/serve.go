package cli

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	admissionapi "k8s.io/pod-security-admission/admission/api"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/exception"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/policy"
	"github.com/palisade-dev/palisade/internal/webhook"
)

type serveFlags struct {
	addr, metricsAddr, certFile, keyFile, kubeconfig string
	podSecurityConfig, configPath, exceptions        string
	checks, skipChecks                               []string
	policy                                           policyFlags // --policy & co, as scan's (policy.go)
	dryRun                                           bool
	syncTimeout                                      time.Duration
}

func newServeCmd(_, stderr io.Writer) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Validating admission webhook: Pod Security Admission semantics plus the other checks",
		Long: `Serve a validating admission webhook (AdmissionReview admission.k8s.io/v1 on
POST /validate, /healthz, /readyz over HTTPS; Prometheus metrics on
--metrics-addr over HTTP).

Pod Security verdicts come from upstream's own admission package: namespace
labels pod-security.kubernetes.io/{enforce,audit,warn}[-version], defaults
and exemptions from --pod-security-config (upstream's
PodSecurityConfiguration), pods enforced, workload templates warned and
audited. Palisade exceptions (--exceptions, the config's exceptions:, the
palisade.dev/exempt annotation) apply to them. The findings of the other
checks and of custom policies (--policy) are denied, warned or only audited
per the webhook: section of the config (default warn; a Gatekeeper
constraint's own enforcementAction where the config names none).
--dry-run admits everything and logs and counts what it would have denied.

The serving certificate is reloaded when its files change; the
configuration, exceptions, policies and Pod Security configuration when
theirs change or on SIGHUP (a change that does not load is logged and the
settings in force stay). SIGTERM or interrupt: /readyz fails, in-flight
reviews finish, exit 0.
Logs are JSON lines on stderr. See docs/webhook.md and deploy/.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), f, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", ":8443", "HTTPS address of the webhook")
	fl.StringVar(&f.certFile, "tls-cert-file", "", "serving certificate (PEM), reloaded on change")
	fl.StringVar(&f.keyFile, "tls-private-key-file", "", "serving private key (PEM), reloaded on change")
	fl.StringVar(&f.metricsAddr, "metrics-addr", ":9090", `plain-HTTP address of /metrics ("" turns them off)`)
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default: the in-cluster service account)")
	fl.StringVar(&f.podSecurityConfig, "pod-security-config", "", "upstream PodSecurityConfiguration file: defaults and exemptions (default: privileged, none)")
	fl.StringVar(&f.configPath, "config", "", "configuration file (default .palisade.yaml when present)")
	fl.StringVar(&f.exceptions, "exceptions", "", "ExceptionList file (palisade.dev/v1), added to the exceptions of the config file")
	f.policy.register(fl)
	fl.StringSliceVar(&f.checks, "checks", nil, "only run checks matching these globs")
	fl.StringSliceVar(&f.skipChecks, "skip-checks", nil, "skip checks matching these globs")
	fl.BoolVar(&f.dryRun, "dry-run", false, "never deny: log and count what would have been denied")
	fl.DurationVar(&f.syncTimeout, "cache-sync-timeout", time.Minute, "how long /readyz waits for the namespace cache (it fails until that syncs) and for the kinds of data.inventory (it turns ready after this regardless)")
	return cmd
}

// serving is what runServe starts and reloads: the server, the namespace
// cache and the cluster objects synced into data.inventory.
type serving struct {
	srv       *webhook.Server
	cluster   *webhook.KubeCluster
	inventory *webhook.InventorySync
	inv       *policy.Inventory // what inventory fills
	files     []string
}

// newServer loads everything serve needs and builds the webhook; it is
// separate from runServe so configuration errors are exit 2 before any
// listener opens.
func newServer(ctx context.Context, f serveFlags, log *slog.Logger, stderr io.Writer) (*serving, error) {
	if f.certFile == "" || f.keyFile == "" {
		return nil, usagef("serve needs --tls-cert-file and --tls-private-key-file: the API server calls webhooks over HTTPS only")
	}
	// One data.inventory for the server's life: every reload's policies
	// read it, and the sync only adds the kinds a reload needs.
	inv := policy.NewInventory()
	st, err := loadServeSettings(ctx, f, stderr, inv)
	if err != nil {
		return nil, err
	}
	rc, err := restConfig(f.kubeconfig)
	if err != nil {
		return nil, usageError{err}
	}
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, usageError{fmt.Errorf("kubernetes client: %w", err)}
	}
	dyn, err := dynamic.NewForConfig(rc)
	if err != nil {
		return nil, usageError{fmt.Errorf("kubernetes client: %w", err)}
	}
	sv := &serving{cluster: webhook.NewCluster(client), files: st.files, inv: inv,
		inventory: webhook.NewInventorySync(inv, dyn, client.Discovery(), log)}
	if sv.srv, err = st.server(sv.cluster, f, log, nil); err != nil {
		return nil, err
	}
	if err := sv.inventory.Register(sv.srv.Metrics().Registry); err != nil {
		return nil, fmt.Errorf("inventory metrics: %w", err)
	}
	st.syncInventory(ctx, sv.inventory, log)
	return sv, nil
}

// serveSettings is what serve reads from files: the configuration, the
// exceptions, the policies and upstream's PodSecurityConfiguration. They
// are read at start and again on every reload.
type serveSettings struct {
	cfg    *config.Config
	engine *engine.Engine
	except *exception.List
	psc    *admissionapi.PodSecurityConfiguration
	// files are the files and folders read, which a reload watches.
	files []string
	// inventoryKinds are the kinds data.inventory must hold: those the
	// policies read and webhook.inventory; anyKind, some policy reads
	// it by a variable kind.
	inventoryKinds []string
	anyKind        bool
}

// syncInventory has the cluster's objects of the kinds the policies read
// kept in data.inventory. A kind that cannot be watched is logged; the
// server runs without it, as Gatekeeper does with a sync it cannot do.
func (st *serveSettings) syncInventory(ctx context.Context, sync *webhook.InventorySync, log *slog.Logger) {
	if st.anyKind && len(st.cfg.Webhook.Inventory) == 0 {
		log.Warn("a policy reads data.inventory by a variable kind: list the kinds to sync from the cluster in webhook.inventory, else only the kinds policies name are synced")
	}
	if err := sync.Sync(ctx, st.inventoryKinds); err != nil {
		log.Error("data.inventory incomplete", "error", err.Error())
	}
}

func loadServeSettings(ctx context.Context, f serveFlags, stderr io.Writer, inv *policy.Inventory) (*serveSettings, error) {
	cfg, err := loadConfig(f.configPath)
	if err != nil {
		return nil, err
	}
	cfgName := f.configPath
	if cfgName == "" {
		cfgName = config.DefaultFile
	}
	if err := cfg.Webhook.Validate(); err != nil {
		return nil, usageError{fmt.Errorf("%s: %w", cfgName, err)}
	}
	st := &serveSettings{cfg: cfg, files: []string{cfgName}}
	sev := map[string]finding.Severity{}
	for id, s := range cfg.Severity {
		sev[id], _ = finding.ParseSeverity(s)
	}
	exc, err := exception.FromEntries(cfgName, cfg.Exceptions)
	if err != nil {
		return nil, usageError{err}
	}
	if f.exceptions != "" {
		st.files = append(st.files, f.exceptions)
		fromFile, err := exception.Load(f.exceptions)
		if err != nil {
			return nil, usageError{err}
		}
		exc = exception.Merge(exc, fromFile)
	}
	st.except = exc
	// Custom Rego policies, compiled once: the config file's folders
	// first, then --policy, as for scan.
	f.policy.dirs = append(append([]string{}, cfg.Policies...), f.policy.dirs...)
	st.files = append(st.files, f.policy.dirs...)
	policies, err := f.policy.load(ctx, stderr)
	if err != nil {
		return nil, err
	}
	if policies != nil {
		policies = policies.WithInventory(inv)
		st.inventoryKinds, st.anyKind = policies.InventoryKinds()
	}
	st.inventoryKinds = slices.Compact(slices.Sorted(slices.Values(append(st.inventoryKinds, cfg.Webhook.Inventory...))))
	st.engine, err = engine.New(engine.Options{
		Checks:     append(cfg.Checks.Enable, f.checks...),
		SkipChecks: append(cfg.Checks.Disable, f.skipChecks...),
		Severity:   sev,
		Params:     cfg.Checks.CheckParams,
		Exceptions: exc,
		Policies:   policies,
	})
	if err != nil {
		return nil, usageError{err}
	}
	if f.podSecurityConfig != "" {
		st.files = append(st.files, f.podSecurityConfig)
	}
	if st.psc, err = webhook.LoadPodSecurityConfig(f.podSecurityConfig); err != nil {
		return nil, usageError{err}
	}
	return st, nil
}

func (st *serveSettings) server(cluster webhook.Cluster, f serveFlags, log *slog.Logger, replaces *webhook.Server) (*webhook.Server, error) {
	srv, err := webhook.New(webhook.Options{
		Engine:      st.engine,
		PodSecurity: st.psc,
		Cluster:     cluster,
		Exceptions:  st.except,
		Config:      st.cfg.Webhook,
		DryRun:      f.dryRun,
		Logger:      log,
		Replaces:    replaces,
	})
	if err != nil {
		return nil, usageError{err}
	}
	return srv, nil
}

// watchSettings reloads the settings when one of their files changes (a
// ConfigMap volume update swaps a symlink in the folder, so folders are
// watched, not files) or on SIGHUP, and hands the new server to srv. A
// change that does not load is logged and counted; the server in force
// stays. Several events within reloadQuiet make one reload.
func watchSettings(ctx context.Context, f serveFlags, sv *serving, log *slog.Logger, stderr io.Writer) {
	srv, files := sv.srv, sv.files
	w, err := fsnotify.NewWatcher()
	if err != nil {
		// Serving matters more than reloading.
		log.Error("cannot watch the configuration: changes need a restart", "error", err.Error())
		return
	}
	defer w.Close()
	wf := watchedFiles{files: map[string]bool{}, dirs: map[string]bool{}}
	watch := func(files []string) {
		for _, p := range files {
			if abs, err := filepath.Abs(p); err == nil {
				p = abs
			}
			info, err := os.Stat(p)
			if err != nil || !info.IsDir() {
				// A file, or not there (yet): watch the folder it is or
				// will be in.
				wf.files[p], wf.files[filepath.Dir(p)] = true, true
				_ = w.Add(filepath.Dir(p))
				continue
			}
			wf.dirs[p] = true
			_ = filepath.WalkDir(p, func(d string, e fs.DirEntry, err error) error {
				if err == nil && e.IsDir() {
					_ = w.Add(d)
				}
				return nil
			})
		}
	}
	watch(files)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			log.Warn("watching the configuration", "error", err.Error())
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if wf.relevant(ev.Name) {
				timer.Reset(reloadQuiet)
			}
		case <-hup:
			timer.Reset(0)
		case <-timer.C:
			st, err := loadServeSettings(ctx, f, stderr, sv.inv)
			if err == nil {
				var next *webhook.Server
				if next, err = st.server(sv.cluster, f, log, srv); err == nil {
					err = srv.Reload(next)
				}
			}
			if err != nil {
				srv.ReloadFailed(err)
				continue
			}
			st.syncInventory(ctx, sv.inventory, log)
			watch(st.files) // the configuration may name other policy folders
		}
	}
}

// watchedFiles are the settings' files (and their folders) and policy
// folders, as absolute paths.
type watchedFiles struct{ files, dirs map[string]bool }

// relevant reports whether an event on name concerns the settings: the
// folder of the default .palisade.yaml is the working directory, where
// anything may change. A watched file counts, anything under a policy
// folder, and the "..data" swaps of a ConfigMap or Secret volume next to
// a watched file.
func (wf watchedFiles) relevant(name string) bool {
	name = filepath.Clean(name)
	if wf.files[name] || wf.files[filepath.Dir(name)] && strings.HasPrefix(filepath.Base(name), "..") {
		return true
	}
	for d := range wf.dirs {
		if name == d || strings.HasPrefix(name, d+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// reloadQuiet is how long the files must stay unchanged before a reload:
// an editor's save or a volume update is several events.
const reloadQuiet = 300 * time.Millisecond

func restConfig(kubeconfig string) (*rest.Config, error) {
	var (
		rc  *rest.Config
		err error
	)
	if kubeconfig != "" {
		rc, err = clientcmd.BuildConfigFromFlags("", kubeconfig)
	} else if rc, err = rest.InClusterConfig(); err != nil {
		err = fmt.Errorf("no --kubeconfig and not in a cluster: %w", err)
	}
	if err != nil {
		return nil, err
	}
	rc = rest.AddUserAgent(rc, "palisade-webhook")
	// Namespace lists and watches only, plus rare pod lists: the defaults
	// (5 QPS) would throttle the pod lists of a burst of label changes.
	rc.QPS, rc.Burst = 50, 100
	return rc, nil
}

var globalLoggers sync.Once

func runServe(ctx context.Context, f serveFlags, stderr io.Writer) error {
	// Kubernetes stops pods with SIGTERM; the process only catches
	// interrupt, so serve adds it for its graceful shutdown.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()
	// Each review allocates ~115 KB and keeps nothing, over a live heap
	// of a few MB, so at Go's default the collector would run many times
	// a second, and requests arriving during a cycle are what make the
	// tail: at 1,000 requests/s (20k-request runs of bench/webhookload)
	// server CPU was 524-589 µs per request and p99 2.24-2.52 ms at GOGC
	// 100, 445-467 µs and 1.84-2.08 ms at 300, 403-442 µs and
	// 1.42-1.46 ms at 1000, for about 30 MiB more RSS. GOGC in the
	// environment still wins, and GOMEMLIMIT (deploy/ sets it from the
	// container's memory limit) makes the collector run sooner whenever
	// the heap nears it, so a large live heap cannot grow 11-fold.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(1000)
	}
	h := slog.NewJSONHandler(stderr, nil)
	log := slog.New(h).With("component", "palisade-webhook")
	// Upstream's admission package logs with klog and the certificate
	// watcher with controller-runtime's logger: both go to the same JSON.
	// They are process-wide, and client-go's goroutines read them, so they
	// are set by the first serve of the process only (tests run several).
	globalLoggers.Do(func() {
		klog.SetSlogLogger(log)
		ctrllog.SetLogger(logr.FromSlogHandler(h))
	})

	// The caches stop, and their goroutines end, before serve returns.
	informers, stopInformers := context.WithCancel(ctx)
	defer stopInformers()
	sv, err := newServer(informers, f, log, stderr)
	if err != nil {
		return err
	}
	defer func() {
		stopInformers()
		sv.cluster.Shutdown()
		sv.inventory.Shutdown()
	}()
	srv, cluster := sv.srv, sv.cluster
	cluster.Start(informers)
	go func() {
		if !cluster.WaitForSync(ctx, f.syncTimeout) {
			if ctx.Err() != nil {
				return
			}
			log.Error("namespace cache not synced: /readyz fails until it is", "waited", f.syncTimeout.String())
			return
		}
		log.Info("namespace cache synced")
	}()
	// Referential policies read data.inventory: the server is ready once
	// the kinds they read are listed, or once the sync timeout has passed
	// (a kind the server may not list must not keep the webhook, and with
	// it the cluster's admissions, down; the error says what is missing).
	var inventoryReady atomic.Bool
	go func() {
		defer inventoryReady.Store(true)
		if sv.inventory.WaitForSync(ctx, f.syncTimeout) {
			return
		}
		if ctx.Err() == nil {
			log.Error("data.inventory not synced: serving with what is listed so far", "waited", f.syncTimeout.String())
		}
	}()
	// Reloads stop before the server returns, so none lands after.
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		watchSettings(watchCtx, f, sv, log, stderr)
	}()
	defer func() { stopWatch(); <-watched }()
	err = srv.Run(ctx, webhook.ServeOptions{
		Addr: f.addr, MetricsAddr: f.metricsAddr,
		CertFile: f.certFile, KeyFile: f.keyFile,
		Ready: func() bool { return cluster.Synced() && inventoryReady.Load() },
	})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
