// Package cli holds the commands, the flag-to-config merge and the exit
// codes. It is the only package that wires every other one together.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Exit codes, as SPEC.md defines them for every command.
const (
	ExitOK       = 0
	ExitFindings = 1
	ExitUsage    = 2
	ExitInput    = 3
)

// usageError marks errors that mean "nothing was run": exit code 2.
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitError carries a non-zero exit code for a run that produced output.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Main runs palisade with args and returns the process exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var profiling *os.File
	root := &cobra.Command{
		Use:           "palisade",
		Short:         "Keep insecure workloads out of Kubernetes clusters",
		Long:          "Palisade checks Kubernetes manifests against the Pod Security Standards, exactly as Pod Security Admission does.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%v (see %s --help)", err, c.CommandPath())}
	})
	root.AddCommand(newScanCmd(stdin, stdout, stderr), newChecksCmd(stdout), newVersionCmd(stdout))
	root.AddCommand(newAuditCmd(stdin, stdout, stderr))
	root.AddCommand(newServeCmd(stdout, stderr))
	root.AddCommand(newClusterCmd(stdout, stderr))
	root.AddCommand(newPolicyCmd(stdout, stderr))
	root.CompletionOptions.DisableDefaultCmd = true
	// A CPU profile of any command, so that the figures of bench/ and of
	// the docs can be broken down with go tool pprof by anyone.
	var cpuProfile string
	root.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the command to this file (for go tool pprof)")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if cpuProfile == "" {
			return nil
		}
		f, err := os.Create(cpuProfile)
		if err != nil {
			return usageError{fmt.Errorf("--cpuprofile: %w", err)}
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return usageError{fmt.Errorf("--cpuprofile: %w", err)}
		}
		profiling = f
		return nil
	}

	err := root.ExecuteContext(ctx)
	if profiling != nil {
		pprof.StopCPUProfile()
		if cerr := profiling.Close(); cerr != nil && err == nil {
			err = usageError{fmt.Errorf("--cpuprofile: %w", cerr)}
		}
	}
	var ee exitError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.code
	default:
		fmt.Fprintf(stderr, "palisade: %v\n", err)
		return ExitUsage
	}
}

// colorFor reports whether w is a terminal that wants colour.
func colorFor(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}

func exactArgsOrUsage(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return usagef("%s takes at most %d argument(s), got %d", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}
