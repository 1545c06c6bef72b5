package webhook

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
)

// ServeOptions say where and how to listen.
type ServeOptions struct {
	// Addr is the HTTPS address of /validate, /healthz and /readyz
	// (":8443"); Listener, when set, is used instead (tests, socket
	// activation) and is wrapped in TLS here.
	Addr     string
	Listener net.Listener
	// MetricsAddr serves /metrics over plain HTTP, apart from the webhook
	// port so that scraping needs no client certificate or CA ("" for
	// none); MetricsListener as Listener.
	MetricsAddr     string
	MetricsListener net.Listener
	// CertFile and KeyFile are the serving pair, reloaded when they change
	// (a Secret volume update, cert-manager renewal) without a restart.
	CertFile, KeyFile string
	// Ready reports whether the namespace cache has synced; nil: ready.
	Ready func() bool
	// DrainDelay is how long /readyz fails before the listener closes on
	// shutdown, so endpoints drop this pod before it stops answering
	// (default 0: the Deployment's preStop sleep does that job).
	DrainDelay time.Duration
	// ShutdownTimeout bounds the wait for in-flight requests (default 25s,
	// inside the default 30s termination grace period).
	ShutdownTimeout time.Duration
	// OnListen, when set, is called with the bound addresses.
	OnListen func(webhook, metrics net.Addr)
}

// Run serves until ctx is done, then shuts down gracefully: /readyz fails,
// new connections are refused, in-flight reviews finish.
func (s *Server) Run(ctx context.Context, opts ServeOptions) error {
	if opts.ShutdownTimeout == 0 {
		opts.ShutdownTimeout = 25 * time.Second
	}
	cw, err := certwatcher.New(opts.CertFile, opts.KeyFile)
	if err != nil {
		return fmt.Errorf("loading the serving certificate: %w", err)
	}
	var started atomic.Bool
	cw.RegisterCallback(func(c tls.Certificate) {
		// The callback also fires once, at once, for the certificate read
		// at start: that is no reload.
		if started.CompareAndSwap(false, true) {
			return
		}
		s.metrics.reloads.WithLabelValues("tls").Inc()
		s.log.Info("serving certificate reloaded", certAttrs(c)...)
	})

	ln := opts.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", opts.Addr); err != nil {
			return fmt.Errorf("listening on %s: %w", opts.Addr, err)
		}
	}
	mln := opts.MetricsListener
	if mln == nil && opts.MetricsAddr != "" {
		if mln, err = net.Listen("tcp", opts.MetricsAddr); err != nil {
			_ = ln.Close()
			return fmt.Errorf("listening on %s for metrics: %w", opts.MetricsAddr, err)
		}
	}
	if opts.OnListen != nil {
		var maddr net.Addr
		if mln != nil {
			maddr = mln.Addr()
		}
		opts.OnListen(ln.Addr(), maddr)
	}

	var stopping atomic.Bool
	ready := func() bool { return !stopping.Load() && (opts.Ready == nil || opts.Ready()) }
	errLog := slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)
	srv := &http.Server{
		Handler: s.Handler(ready),
		TLSConfig: &tls.Config{
			GetCertificate: cw.GetCertificate,
			MinVersion:     tls.VersionTLS12,
		},
		// Bounds against slow or stuck clients; the API server sends a
		// whole AdmissionReview at once and waits at most 30s.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      35 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          errLog,
	}
	var msrv *http.Server
	if mln != nil {
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{ErrorLog: errLog}))
		msrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: errLog}
	}

	watchCtx, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWatch()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return cw.Start(watchCtx) })
	g.Go(func() error {
		s.log.Info("serving admission reviews", "addr", ln.Addr().String(), "dryRun", s.dryRun,
			"failurePolicy", s.cfg.FailurePolicy, "maxInFlight", s.cfg.MaxInFlight, "timeout", s.cfg.Timeout.String())
		if err := srv.ServeTLS(ln, "", ""); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("webhook server: %w", err)
		}
		return nil
	})
	if msrv != nil {
		g.Go(func() error {
			if err := msrv.Serve(mln); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("metrics server: %w", err)
			}
			return nil
		})
	}
	g.Go(func() error {
		<-gctx.Done()
		stopping.Store(true)
		s.log.Info("shutting down: draining in-flight reviews", "drainDelay", opts.DrainDelay.String())
		time.Sleep(opts.DrainDelay)
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.ShutdownTimeout)
		defer cancel()
		err := srv.Shutdown(sctx)
		if msrv != nil {
			err = errors.Join(err, msrv.Shutdown(sctx))
		}
		stopWatch()
		return err
	})
	err = g.Wait()
	s.log.Info("stopped")
	return err
}

func certAttrs(c tls.Certificate) []any {
	if len(c.Certificate) == 0 {
		return nil
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return nil
	}
	return []any{"subject", leaf.Subject.String(), "serial", leaf.SerialNumber.String(), "notAfter", leaf.NotAfter.UTC().Format(time.RFC3339)}
}
