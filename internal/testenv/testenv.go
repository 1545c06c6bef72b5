// Package testenv starts a real kube-apiserver and etcd (through
// controller-runtime's envtest) for integration tests of every stage that
// talks to an API server: audit logs, the webhook, cluster scans.
//
// The binaries come from hack/test-cluster-binaries.sh: the directory in
// KUBEBUILDER_ASSETS, else the script's default cache
// ($PALISADE_K8S_CACHE or $HOME/.cache/palisade/k8s-bin, version
// subdirectory K8sVersion/EtcdVersion). Without them a test is skipped with
// a message saying how to build them, unless PALISADE_REQUIRE_TEST_CLUSTER=1,
// where it fails: CI sets that, so a missing build cannot pass as green.
package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Versions the cache directory is keyed by (hack/test-cluster-binaries.sh
// defaults).
const (
	K8sVersion  = "v1.37.2"
	EtcdVersion = "v3.7.3"
)

// RequireEnv makes a missing control plane a failure instead of a skip.
const RequireEnv = "PALISADE_REQUIRE_TEST_CLUSTER"

// Options configure the control plane.
type Options struct {
	// APIServerFlags are set on kube-apiserver over envtest's defaults
	// (without the leading "--"), e.g. "audit-log-path".
	APIServerFlags map[string]string
	// StartTimeout per component; default 60s, since CI machines are
	// busy (envtest's own default is 20s).
	StartTimeout time.Duration
}

// Env is a running control plane. It is stopped by the test's cleanup.
type Env struct {
	// Config is a cluster-admin (system:masters) client configuration.
	Config *rest.Config
	// Dir is a scratch directory for the test (policy files, logs), gone
	// after the test.
	Dir string
	env *envtest.Environment
	// stop stops the control plane once; Stop and the test's cleanup
	// share it.
	stop    sync.Once
	stopErr error
}

// Assets returns the directory holding kube-apiserver and etcd, or "" and
// the places looked at.
func Assets() (dir string, looked []string) {
	if d := os.Getenv("KUBEBUILDER_ASSETS"); d != "" {
		looked = append(looked, "$KUBEBUILDER_ASSETS="+d)
		if hasBinaries(d) {
			return d, looked
		}
	}
	root := os.Getenv("PALISADE_K8S_CACHE")
	if root == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", looked
		}
		root = filepath.Join(home, ".cache", "palisade", "k8s-bin")
	}
	d := filepath.Join(root, "k8s-"+K8sVersion+"-etcd-"+EtcdVersion)
	looked = append(looked, d)
	if hasBinaries(d) {
		return d, looked
	}
	return "", looked
}

func hasBinaries(dir string) bool {
	for _, b := range []string{"kube-apiserver", "etcd"} {
		if fi, err := os.Stat(filepath.Join(dir, b)); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// Start starts etcd and kube-apiserver for t, or skips t (fails it under
// PALISADE_REQUIRE_TEST_CLUSTER=1) when the binaries are not there.
func Start(t testing.TB, opts Options) *Env {
	t.Helper()
	dir, looked := Assets()
	if dir == "" {
		msg := fmt.Sprintf("no kube-apiserver and etcd (looked in %v); build them with hack/test-cluster-binaries.sh", looked)
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s (%s=1 makes this a failure)", msg, RequireEnv)
		}
		t.Skip(msg)
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory:    dir,
		ControlPlaneStartTimeout: opts.StartTimeout,
		ControlPlaneStopTimeout:  opts.StartTimeout,
	}
	args := env.ControlPlane.GetAPIServer().Configure()
	// Without these the API server derives its advertise address from the
	// default route, and exits where there is none (a network namespace
	// with only lo); with them it also never advertises a host address.
	args.Set("advertise-address", "127.0.0.1").Set("endpoint-reconciler-type", "none")
	for k, v := range opts.APIServerFlags {
		args.Set(k, v)
	}
	cfg, err := env.Start()
	if err != nil {
		// A failed start can leave etcd running: stop what did start.
		_ = env.Stop()
		t.Fatalf("starting kube-apiserver and etcd from %s: %v (KUBEBUILDER_ATTACH_CONTROL_PLANE_OUTPUT=true shows their logs)", dir, err)
	}
	e := &Env{Config: cfg, Dir: t.TempDir(), env: env}
	t.Cleanup(func() {
		if err := e.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	return e
}

// Stop stops kube-apiserver and etcd before the test ends (to test what
// happens when the API server goes away); the cleanup does it otherwise.
// Calling it again returns the first result.
func (e *Env) Stop() error {
	e.stop.Do(func() { e.stopErr = e.env.Stop() })
	return e.stopErr
}

// AddUser creates a user authenticated by a client certificate and
// returns its client configuration. The user has no rights until RBAC
// gives some.
func (e *Env) AddUser(t testing.TB, name string, groups ...string) *rest.Config {
	t.Helper()
	u, err := e.env.AddUser(envtest.User{Name: name, Groups: groups}, e.Config)
	if err != nil {
		t.Fatalf("adding user %s: %v", name, err)
	}
	return u.Config()
}

// Anonymous returns a client configuration with no credentials (it still
// trusts the API server's certificate).
func (e *Env) Anonymous() *rest.Config {
	c := rest.AnonymousClientConfig(e.Config)
	return c
}
