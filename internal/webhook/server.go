// Package webhook is `palisade serve`: a validating admission webhook that
// answers exactly as Pod Security Admission does, because it runs
// upstream's own admission package (k8s.io/pod-security-admission/admission,
// wired as upstream's cmd/webhook wires it), plus Palisade's extras: its
// exceptions, applied inside upstream's evaluation, and the findings of the
// engine's other checks, each denied, warned or only recorded as
// configured.
//
// Review is the whole decision, a function of the AdmissionRequest (and
// the namespaces it reads); Handler adds HTTP, limits and deadlines; Run
// adds TLS from files reloaded on change, the metrics listener and a
// graceful shutdown.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/pod-security-admission/admission"
	admissionapi "k8s.io/pod-security-admission/admission/api"
	"k8s.io/pod-security-admission/admission/api/load"
	"k8s.io/pod-security-admission/admission/api/validation"

	"github.com/palisade-dev/palisade/internal/config"
	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/exception"
	"github.com/palisade-dev/palisade/internal/finding"
	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/workload"
)

// Evaluator gives the findings of one object besides Pod Security: the
// engine. It is an interface so the extras can be wrapped (and, in tests,
// made to panic).
type Evaluator interface {
	EvaluateExtras(ctx context.Context, o *manifest.Object, w *workload.Workload, inv *inventory.Inventory) ([]finding.Finding, *finding.Error)
}

// Cluster is what the server reads from the API server: namespaces (from
// an informer cache, see NewCluster) and, only when a namespace's enforce
// level is tightened, the pods of that namespace.
type Cluster interface {
	admission.NamespaceGetter
	admission.PodLister
}

// Options configure a Server.
type Options struct {
	// Engine provides the Pod Security evaluator handed to upstream and,
	// unless Extras is set, the extra findings.
	Engine *engine.Engine
	// Extras, when set, replaces Engine for the extra findings.
	Extras Evaluator
	// PodSecurity is upstream's PodSecurityConfiguration (defaults and
	// exemptions); nil means upstream's defaults (everything privileged,
	// nothing exempt), as for the API server's built-in plugin.
	PodSecurity *admissionapi.PodSecurityConfiguration
	Cluster     Cluster
	// Exceptions apply to Pod Security checks here; give the engine the
	// same list for the extras.
	Exceptions *exception.List
	Config     config.WebhookConfig
	// DryRun admits everything (also Config.DryRun).
	DryRun  bool
	Logger  *slog.Logger
	Metrics *Metrics
	// Now is the clock for exception expiry; time.Now when nil.
	Now func() time.Time
	// Replaces, when set, is the server this one takes over from on a
	// configuration reload (see Reload): it keeps that server's logger,
	// metrics, evaluation slots and workers, so MaxInFlight and
	// MaxRequestBytes only change on a restart.
	Replaces *Server
}

// Server answers AdmissionReviews. It is safe for concurrent use.
type Server struct {
	psa      *admission.Admission
	engine   *engine.Engine
	extras   Evaluator
	inv      *inventory.Inventory
	except   *exception.List
	cfg      config.WebhookConfig
	dryRun   bool
	log      *slog.Logger
	metrics  *Metrics
	now      func() time.Time
	decoder  k8sruntime.Decoder
	inFlight chan struct{}
	// idle hands a review to a worker waiting for one (see runReview).
	idle    chan func()
	workers *atomic.Int64
	// current is the server that answers requests: the last one given
	// to Reload, shared by all the servers of one process.
	current *atomic.Pointer[Server]
}

var _ Evaluator = (*engine.Engine)(nil)

// LoadPodSecurityConfig reads upstream's PodSecurityConfiguration file
// with upstream's own loader ("" gives upstream's defaults), so every
// version of the format upstream accepts is accepted here.
func LoadPodSecurityConfig(file string) (*admissionapi.PodSecurityConfiguration, error) {
	c, err := load.LoadFromFile(file)
	if err != nil {
		return nil, fmt.Errorf("pod security configuration %s: %w", file, err)
	}
	if errs := validation.ValidatePodSecurityConfiguration(c); len(errs) > 0 {
		return nil, fmt.Errorf("pod security configuration %s: %w", file, errs.ToAggregate())
	}
	return c, nil
}

// New checks the options and wires upstream's admission.
func New(opts Options) (*Server, error) {
	if opts.Engine == nil || opts.Cluster == nil {
		return nil, errors.New("webhook: Engine and Cluster are required")
	}
	if err := opts.Config.Validate(); err != nil {
		return nil, err
	}
	if opts.PodSecurity == nil {
		var err error
		if opts.PodSecurity, err = LoadPodSecurityConfig(""); err != nil {
			return nil, err
		}
	}
	if r := opts.Replaces; r != nil {
		opts.Logger, opts.Metrics = r.log, r.metrics
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Extras == nil {
		opts.Extras = opts.Engine
	}
	c := opts.Config
	if c.Timeout == 0 {
		c.Timeout = config.DefaultWebhookTimeout
	}
	if c.MaxRequestBytes == 0 {
		c.MaxRequestBytes = config.DefaultWebhookMaxRequestBytes
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = config.DefaultWebhookInFlightPerCPU * runtime.GOMAXPROCS(0)
	}
	if c.FailurePolicy == "" {
		c.FailurePolicy = config.FailurePolicyFail
	}
	// Wired as upstream's cmd/webhook/server.Setup wires it; the evaluator
	// is replaced per request by one that applies Palisade exceptions.
	psa := &admission.Admission{
		Configuration:    opts.PodSecurity,
		Evaluator:        opts.Engine.PSS(),
		Metrics:          opts.Metrics,
		PodSpecExtractor: admission.DefaultPodSpecExtractor{},
		NamespaceGetter:  opts.Cluster,
		PodLister:        opts.Cluster,
	}
	if err := psa.CompleteConfiguration(); err != nil {
		return nil, fmt.Errorf("pod security configuration: %w", err)
	}
	if err := psa.ValidateConfiguration(); err != nil {
		return nil, fmt.Errorf("invalid pod security configuration: %w", err)
	}
	if r := opts.Replaces; r != nil {
		c.MaxInFlight, c.MaxRequestBytes = r.cfg.MaxInFlight, r.cfg.MaxRequestBytes
	}
	s := &Server{
		psa:    psa,
		engine: opts.Engine,
		extras: opts.Extras,
		// Cross-resource checks see an empty inventory: one request tells
		// nothing about the rest of the cluster, and a check that needs
		// other objects stays silent rather than guess (as `palisade scan`
		// of a single file does).
		inv:     inventory.New(),
		except:  opts.Exceptions,
		cfg:     c,
		dryRun:  opts.DryRun || c.DryRun,
		log:     opts.Logger,
		metrics: opts.Metrics,
		now:     opts.Now,
		decoder: codecs.UniversalDeserializer(),
	}
	if r := opts.Replaces; r != nil {
		s.inFlight, s.idle, s.workers, s.current = r.inFlight, r.idle, r.workers, r.current
	} else {
		s.inFlight, s.idle = make(chan struct{}, c.MaxInFlight), make(chan func())
		s.workers, s.current = new(atomic.Int64), new(atomic.Pointer[Server])
		s.current.Store(s)
	}
	return s, nil
}

// Reload makes next, built with Options.Replaces set to this server (or
// to one it replaced), answer every request from now on. Requests being
// reviewed finish with the configuration they started with.
func (s *Server) Reload(next *Server) error {
	if next.current != s.current {
		return errors.New("webhook: the new server must be built with Options.Replaces set to this one")
	}
	s.current.Store(next)
	s.metrics.reloads.WithLabelValues("palisade").Inc()
	s.log.Info("configuration reloaded")
	return nil
}

// ReloadFailed logs and counts a reload whose files did not load; the
// current configuration stays in force.
func (s *Server) ReloadFailed(err error) {
	s.metrics.reloadErrs.Inc()
	s.log.Error("configuration not reloaded; the previous one stays in force", "error", err.Error())
}

// Current is the server answering requests now (this one until a Reload).
func (s *Server) Current() *Server { return s.current.Load() }

// Metrics returns the server's metrics.
func (s *Server) Metrics() *Metrics { return s.metrics }

// codecs decode the objects upstream's admission package reads: the same
// scheme as upstream's cmd/webhook (core, apps, batch, admission).
var codecs = newCodecs()

func newCodecs() serializer.CodecFactory {
	s := scheme
	for _, add := range []func(*k8sruntime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, admissionv1.AddToScheme,
	} {
		if err := add(s); err != nil {
			panic(err) // static registrations of generated types cannot fail
		}
	}
	return serializer.NewCodecFactory(s)
}

var scheme = k8sruntime.NewScheme()

// deadline is how long one request may take: the configured timeout, and
// at most four fifths of what the API server waits (it sends its timeout
// as ?timeout=), so the answer on a slow request is ours (per our failure
// policy), logged and counted, and not the API server's.
func (s *Server) deadline(apiServerTimeout time.Duration) time.Duration {
	d := s.cfg.Timeout
	if apiServerTimeout > 0 {
		d = min(d, apiServerTimeout*4/5)
	}
	return d
}

// acquire takes an evaluation slot, waiting until ctx is done.
func (s *Server) acquire(ctx context.Context) bool {
	select {
	case s.inFlight <- struct{}{}:
		s.metrics.inFlight.Inc()
		return true
	default:
	}
	select {
	case s.inFlight <- struct{}{}:
		s.metrics.inFlight.Inc()
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *Server) release() {
	<-s.inFlight
	s.metrics.inFlight.Dec()
}
