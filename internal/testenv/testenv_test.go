package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func fakeBinaries(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAssets(t *testing.T) {
	assets, cache := t.TempDir(), t.TempDir()
	cached := filepath.Join(cache, "k8s-"+K8sVersion+"-etcd-"+EtcdVersion)
	if err := os.MkdirAll(cached, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBEBUILDER_ASSETS", assets)
	t.Setenv("PALISADE_K8S_CACHE", cache)

	if dir, looked := Assets(); dir != "" || len(looked) != 2 {
		t.Fatalf("empty dirs: got %q (looked %v)", dir, looked)
	}
	fakeBinaries(t, cached, "kube-apiserver", "etcd")
	if dir, _ := Assets(); dir != cached {
		t.Fatalf("got %q, want the cache %q", dir, cached)
	}
	fakeBinaries(t, assets, "kube-apiserver") // etcd missing: not usable
	if dir, _ := Assets(); dir != cached {
		t.Fatalf("got %q, want the cache %q", dir, cached)
	}
	fakeBinaries(t, assets, "etcd")
	if dir, _ := Assets(); dir != assets {
		t.Fatalf("got %q, want KUBEBUILDER_ASSETS %q", dir, assets)
	}
}

// fakeTB records how Start gives up.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skip(args ...any) {
	f.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func startWithout(t *testing.T, require string) *fakeTB {
	t.Setenv("KUBEBUILDER_ASSETS", "")
	t.Setenv("PALISADE_K8S_CACHE", t.TempDir())
	t.Setenv(RequireEnv, require)
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(f, Options{})
	}()
	<-done
	return f
}

func TestStartWithoutBinaries(t *testing.T) {
	if f := startWithout(t, ""); !strings.Contains(f.skipped, "build them with hack/test-cluster-binaries.sh") || f.failed != "" {
		t.Errorf("without binaries: skipped %q failed %q, want a skip naming the script", f.skipped, f.failed)
	}
	if f := startWithout(t, "1"); f.skipped != "" || !strings.Contains(f.failed, RequireEnv+"=1 makes this a failure") {
		t.Errorf("required: skipped %q failed %q, want a failure", f.skipped, f.failed)
	}
}
