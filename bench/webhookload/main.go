// Command webhookload measures admission webhooks the way the API server
// uses them: AdmissionReviews POSTed over HTTPS (HTTP/1.1, kept-alive
// connections opened as concurrency needs) on loopback, at a fixed rate (open loop: latency counts from when a
// request was due, so a stall is not hidden by the generator waiting), for
// a bounded count and time. It starts a real kube-apiserver and etcd
// (envtest, the binaries of hack/test-cluster-binaries.sh) because both
// webhooks read namespaces from it, then runs the same load against each
// target in turn: `palisade serve` (Pod Security, every check, and the ten
// Rego policies of bench/webhook-testdata/policies) and upstream's own
// pod-security webhook (k8s.io/pod-security-admission/cmd/webhook), which
// does only the Pod Security part. bench/webhook.sh builds both and runs
// this.
package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	admissionv1 "k8s.io/api/admission/v1"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/palisade-dev/palisade/internal/testenv"
)

type options struct {
	palisade, upstream, testdata, policies string
	profile, selfProfile                   string
	n, rate, warmup, conns                 int
	maxTime                                time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.palisade, "palisade", "", "palisade binary")
	flag.StringVar(&o.upstream, "upstream", "", "upstream pod-security webhook binary (optional)")
	flag.StringVar(&o.testdata, "testdata", "bench/webhook-testdata", "folder with pod.yaml and deployment.yaml")
	flag.StringVar(&o.policies, "policies", "bench/webhook-testdata/policies", `palisade's --policy ("" for none)`)
	flag.StringVar(&o.profile, "palisade-cpuprofile", "", "write palisade serve's CPU profile of the whole run to this file")
	flag.StringVar(&o.selfProfile, "cpuprofile", "", "write this load generator's CPU profile to this file")
	flag.IntVar(&o.n, "n", 100000, "requests per target (half Pods, half Deployments)")
	flag.IntVar(&o.rate, "rate", 1000, "requests per second")
	flag.IntVar(&o.warmup, "warmup", 2000, "requests sent before measuring")
	flag.IntVar(&o.conns, "max-in-flight", 256, "most requests outstanding at once")
	flag.DurationVar(&o.maxTime, "max-time", 5*time.Minute, "stop each target's run after this long")
	flag.Parse()
	if o.selfProfile != "" {
		f, err := os.Create(o.selfProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "webhookload:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(o); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "webhookload:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.palisade == "" {
		return fmt.Errorf("-palisade is required")
	}
	bodies, err := reviews(o.testdata)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "webhookload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	assets, looked := testenv.Assets()
	if assets == "" {
		return fmt.Errorf("no kube-apiserver and etcd in %v: run hack/test-cluster-binaries.sh", looked)
	}
	env := &envtest.Environment{BinaryAssetsDirectory: assets, ControlPlaneStartTimeout: time.Minute}
	env.ControlPlane.GetAPIServer().Configure().Set("advertise-address", "127.0.0.1").Set("endpoint-reconciler-type", "none")
	cfg, err := env.Start()
	if err != nil {
		return fmt.Errorf("starting kube-apiserver: %w", err)
	}
	defer func() { _ = env.Stop() }()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := writeKubeconfig(cfg, kubeconfig); err != nil {
		return err
	}
	cs := kubernetes.NewForConfigOrDie(cfg)
	_, err = cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: "bench", Labels: map[string]string{
			"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted",
			"pod-security.kubernetes.io/audit": "restricted",
		}}}, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	caPool, certFile, keyFile, err := servingPair(dir)
	if err != nil {
		return err
	}

	type target struct {
		name string
		args func(addr, metrics string) []string
		bin  string
	}
	targets := []target{{"palisade", func(addr, metrics string) []string {
		args := []string{"serve", "--addr", addr, "--metrics-addr", metrics, "--tls-cert-file", certFile,
			"--tls-private-key-file", keyFile, "--kubeconfig", kubeconfig, "--config", filepath.Join(dir, "none.yaml")}
		if o.policies != "" {
			args = append(args, "--policy", o.policies)
		}
		if o.profile != "" {
			args = append([]string{"--cpuprofile", o.profile}, args...)
		}
		return args
	}, o.palisade}}
	if err := os.WriteFile(filepath.Join(dir, "none.yaml"), []byte("{}\n"), 0o600); err != nil {
		return err
	}
	if o.upstream != "" {
		targets = append(targets, target{"upstream", func(addr, _ string) []string {
			host, port, _ := net.SplitHostPort(addr)
			return []string{"--kubeconfig", kubeconfig, "--bind-address", host, "--secure-port", port,
				"--tls-cert-file", certFile, "--tls-private-key-file", keyFile}
		}, o.upstream})
	}
	fmt.Printf("load: %d requests per target at %d/s (open loop, HTTP/1.1 keep-alive over TLS on loopback), %d warm-up; %d CPUs; palisade policies: %q\n",
		o.n, o.rate, o.warmup, runtimeCPUs(), o.policies)
	var results []result
	for _, t := range targets {
		addr, maddr := freeAddr(), freeAddr()
		cmd := exec.Command(t.bin, t.args(addr, maddr)...)
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			return err
		}
		r, err := measure(o, t.name, cmd.Process.Pid, "https://"+addr+"/validate?timeout=10s", caPool, bodies)
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if err != nil {
			return fmt.Errorf("%s: %w\n%s", t.name, err, tail(logs.String(), 2000))
		}
		results = append(results, r)
		r.print()
	}
	if len(results) == 2 {
		p, u := results[0], results[1]
		for _, k := range kinds {
			fmt.Printf("palisade/upstream %-10s p50 %.2fx  p99 %.2fx\n", k, ratio(p.lat[k], u.lat[k], 50), ratio(p.lat[k], u.lat[k], 99))
		}
	}
	return nil
}

var kinds = []string{"Pod", "Deployment"}

// reviews reads the objects and wraps each in an AdmissionReview as the
// API server sends it: a CREATE by a controller's service account.
func reviews(dir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, k := range kinds {
		data, err := os.ReadFile(filepath.Join(dir, strings.ToLower(k)+".yaml"))
		if err != nil {
			return nil, err
		}
		raw, err := yaml.YAMLToJSON(data)
		if err != nil {
			return nil, err
		}
		gvk := metav1.GroupVersionKind{Version: "v1", Kind: "Pod"}
		gvr := metav1.GroupVersionResource{Version: "v1", Resource: "pods"}
		if k == "Deployment" {
			gvk = metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
			gvr = metav1.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
		}
		out[k], err = json.Marshal(admissionv1.AdmissionReview{
			TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
			Request: &admissionv1.AdmissionRequest{
				UID: k8stypes.UID("load-" + k), Kind: gvk, Resource: gvr, RequestKind: &gvk, RequestResource: &gvr,
				Name: strings.ToLower(k), Namespace: "bench", Operation: admissionv1.Create,
				UserInfo: authnv1.UserInfo{Username: "system:serviceaccount:kube-system:replicaset-controller"},
				Object:   runtime.RawExtension{Raw: raw},
			},
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// result is one target's run.
type result struct {
	name         string
	sent, errors int
	elapsed      time.Duration
	lat          map[string][]time.Duration // sorted, per kind
	late         []time.Duration            // sorted: due instant to the request handed to the client
	rss          []rssSample
	cpu          time.Duration
	selfCPU      time.Duration // the load generator's own
	firstErr     string
}

type rssSample struct {
	done int
	kib  int
}

func measure(o options, name string, pid int, url string, pool *x509.CertPool, bodies map[string][]byte) (result, error) {
	// HTTP/1.1 with a pool of kept-alive connections, as the API server
	// calls admission webhooks since v1.16 (kubernetes/kubernetes#82090:
	// one HTTP/2 connection would pin every request to one webhook pod).
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}},
		ForceAttemptHTTP2: false, MaxIdleConnsPerHost: o.conns,
	}}
	send := func(kind string) (int, error) {
		resp, err := client.Post(url, "application/json", bytes.NewReader(bodies[kind]))
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		var review admissionv1.AdmissionReview
		if err := json.NewDecoder(resp.Body).Decode(&review); err != nil {
			return resp.StatusCode, fmt.Errorf("status %d: %v", resp.StatusCode, err)
		}
		if review.Response == nil || string(review.Response.UID) != "load-"+kind || !review.Response.Allowed {
			return resp.StatusCode, fmt.Errorf("unexpected response %+v", review.Response)
		}
		return resp.StatusCode, nil
	}
	// Ready: the namespace cache has synced.
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := send("Pod"); err == nil {
			break
		} else if time.Now().After(deadline) {
			return result{}, fmt.Errorf("not answering: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i := 0; i < o.warmup; i++ {
		if _, err := send(kinds[i%2]); err != nil {
			return result{}, fmt.Errorf("warm-up: %v", err)
		}
	}
	cpu0, self0 := cpuTime(pid), cpuTime(os.Getpid())
	r := result{name: name, lat: map[string][]time.Duration{}}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		done int
	)
	lat := map[string][]time.Duration{"Pod": make([]time.Duration, 0, o.n/2+1), "Deployment": make([]time.Duration, 0, o.n/2+1)}
	slots := make(chan struct{}, o.conns)
	interval := time.Second / time.Duration(o.rate)
	start := time.Now()
	stopSampling := make(chan struct{})
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-tick.C:
				mu.Lock()
				d := done
				mu.Unlock()
				r.rss = append(r.rss, rssSample{d, rssKiB(pid)})
			}
		}
	}()
	// The pacing loop keeps its own OS thread and sleeps in nanosleep:
	// time.Sleep wakes through the network poller, whose timeout has a
	// resolution of a millisecond on Linux, and sent requests up to 1 ms
	// late (0.44 ms at the median), which the latencies, counted from the
	// due instant, then included for both servers.
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)
	for i := 0; i < o.n; i++ {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			ts := unix.NsecToTimespec(d.Nanoseconds())
			for unix.Nanosleep(&ts, &ts) == unix.EINTR {
			}
		}
		if time.Since(start) > o.maxTime {
			break
		}
		slots <- struct{}{}
		r.sent++
		wg.Add(1)
		go func(kind string, due time.Time) {
			defer wg.Done()
			late := time.Since(due)
			_, err := send(kind)
			took := time.Since(due)
			<-slots
			mu.Lock()
			defer mu.Unlock()
			done++
			r.late = append(r.late, late)
			if err != nil {
				r.errors++
				if r.firstErr == "" {
					r.firstErr = err.Error()
				}
				return
			}
			lat[kind] = append(lat[kind], took)
		}(kinds[i%2], due)
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	close(stopSampling)
	r.rss = append(r.rss, rssSample{done, rssKiB(pid)})
	r.cpu = cpuTime(pid) - cpu0
	r.selfCPU = cpuTime(os.Getpid()) - self0
	slices.Sort(r.late)
	for k, l := range lat {
		slices.Sort(l)
		r.lat[k] = l
	}
	return r, nil
}

func (r result) print() {
	fmt.Printf("\n== %s: %d requests in %v (%.0f/s), %d errors, server CPU %.1f µs/request (load generator %.1f)\n",
		r.name, r.sent, r.elapsed.Round(time.Millisecond), float64(r.sent)/r.elapsed.Seconds(), r.errors,
		float64(r.cpu.Microseconds())/float64(max(r.sent, 1)), float64(r.selfCPU.Microseconds())/float64(max(r.sent, 1)))
	if r.firstErr != "" {
		fmt.Printf("   first error: %s\n", r.firstErr)
	}
	fmt.Printf("   %-10s %8s %8s %8s %8s %8s %8s\n", "kind", "n", "p50", "p90", "p99", "p99.9", "max")
	for _, k := range kinds {
		l := r.lat[k]
		fmt.Printf("   %-10s %8d %8s %8s %8s %8s %8s\n", k, len(l), ms(pct(l, 50)), ms(pct(l, 90)), ms(pct(l, 99)), ms(pct(l, 99.9)), ms(pct(l, 100)))
	}
	// Latency counts from the instant a request was due (open loop), so a
	// late generator shows in it: this is how late it was.
	fmt.Printf("   %-10s %8d %8s %8s %8s %8s %8s  (generator: due to sent)\n", "lateness", len(r.late),
		ms(pct(r.late, 50)), ms(pct(r.late, 90)), ms(pct(r.late, 99)), ms(pct(r.late, 99.9)), ms(pct(r.late, 100)))
	var points []string
	for _, q := range []float64{0, .1, .25, .5, .75, 1} {
		s := r.rss[min(int(q*float64(len(r.rss)-1)), len(r.rss)-1)]
		points = append(points, fmt.Sprintf("%d req: %.1f MiB", s.done, float64(s.kib)/1024))
	}
	fmt.Printf("   server RSS: %s\n", strings.Join(points, ", "))
}

func pct(l []time.Duration, p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(l)))
	return l[min(i, len(l)-1)]
}

func ratio(a, b []time.Duration, p float64) float64 {
	return float64(pct(a, p)) / float64(max(pct(b, p), 1))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3fms", float64(d.Microseconds())/1000) }

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// rssKiB is the process's resident set (VmRSS), or 0 where /proc has none.
func rssKiB(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// cpuTime is the process's user+system time (clock ticks of 10ms).
func cpuTime(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.Atoi(f[11])
	k, _ := strconv.Atoi(f[12])
	return time.Duration(u+k) * 10 * time.Millisecond
}

func runtimeCPUs() int {
	data, _ := os.ReadFile("/proc/cpuinfo")
	return max(strings.Count(string(data), "processor\t:"), 1)
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// servingPair makes a CA and a serving certificate for 127.0.0.1.
func servingPair(dir string) (*x509.CertPool, string, string, error) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "webhookload CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, "", "", err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "webhook"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, "", "", err
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return nil, "", "", err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, "", "", err
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return pool, certFile, keyFile, nil
}

func writeKubeconfig(cfg *rest.Config, file string) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["c"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["u"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["c"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u"}
	kc.CurrentContext = "c"
	return clientcmd.WriteToFile(*kc, file)
}
