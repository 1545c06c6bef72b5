package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/detect"
	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/golden"
	"github.com/palisade-dev/palisade/internal/report"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"palisade": func() {
			os.Exit(Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// TestScripts runs the binary end to end: exact stdout, stderr and exit code
// for every exit code of SPEC.md (testdata/script/*.txtar).
func TestScripts(t *testing.T) {
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("EXAMPLES", examples)
			env.Setenv("NO_COLOR", "1")
			return nil
		},
	})
}

// TestChecksDocUpToDate keeps docs/checks.md equal to what
// `palisade checks --format markdown` prints; `go test ./internal/cli -update`
// rewrites it.
func TestChecksDocUpToDate(t *testing.T) {
	eng, err := engine.New(engine.Options{Defaults: api.Policy{}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.Catalogue(&b, "markdown", append(eng.Rules(), detect.Rules()...)); err != nil {
		t.Fatal(err)
	}
	var viaCLI bytes.Buffer
	if code := Main(context.Background(), []string{"checks", "--format", "markdown"}, nil, &viaCLI, os.Stderr); code != 0 {
		t.Fatalf("palisade checks exited %d", code)
	}
	if !bytes.Equal(b.Bytes(), viaCLI.Bytes()) {
		t.Fatal("palisade checks --format markdown differs from the catalogue of the engine's rules")
	}
	golden.Assert(t, b.Bytes(), "../../docs/checks.md")
}

// --cpuprofile writes a profile go tool pprof reads (gzipped protobuf),
// whatever the command's exit code, and names a file it cannot create.
func TestCPUProfile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cpu.out")
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"--cpuprofile", file, "scan", "../../examples"}, nil, &out, &errOut); code != ExitFindings {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	data, err := os.ReadFile(file)
	if err != nil || len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		t.Errorf("profile %d bytes, error %v: want a gzipped protobuf", len(data), err)
	}
	errOut.Reset()
	if code := Main(context.Background(), []string{"--cpuprofile", filepath.Join(file, "no", "such"), "version"}, nil, &out, &errOut); code != ExitUsage || !bytes.Contains(errOut.Bytes(), []byte("--cpuprofile")) {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}
