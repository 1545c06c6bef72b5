package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/palisade-dev/palisade/internal/policy"
	"github.com/palisade-dev/palisade/internal/policytest"
)

func newPolicyCmd(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Work with custom Rego policies (Conftest and Gatekeeper styles)",
	}
	cmd.AddCommand(newPolicyTestCmd(stdout, stderr))
	return cmd
}

func newPolicyTestCmd(stdout, stderr io.Writer) *cobra.Command {
	var opts policytest.Options
	cmd := &cobra.Command{
		Use:   "test [DIR|SUITE.yaml|FILE.rego]...",
		Short: "Run the tests of custom policies: Rego test_* rules and gator Suite files",
		Long: `Test custom policies (default: the current folder).

Rego: every test_* rule runs with OPA's tester, as opa test and conftest
verify run them, with Conftest's parse_config, parse_config_file and
parse_combined_config_files built-ins; failures name their file and line.

Gatekeeper: every Suite file (test.gatekeeper.sh/v1alpha1, kind Suite) found
in a folder, or named, runs as gator verify runs it: each test pairs a
ConstraintTemplate with a constraint; each case reviews an object, with the
inventory files in data.inventory, and asserts violations (yes, no or a
count) and messages. Paths are relative to the Suite's folder. Cases go
through the same engine as palisade scan.

Exit codes: 0 every test passed; 1 a test failed or could not run (or no
test was found); 2 usage error, or policies that do not load (syntax error,
unsafe rule, template whose kind does not match, constraint without its
template, template with only Gatekeeper's CEL engine), each named with its
file and line.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"."}
			}
			if !validRegoVersion(opts.RegoVersion) {
				return usagef("--rego-version %q: want v0 or v1", opts.RegoVersion)
			}
			sum, err := policytest.Run(cmd.Context(), args, opts, stdout)
			var bad *policytest.BadPolicyError
			switch {
			case errors.As(err, &bad):
				for _, e := range bad.Errors {
					fmt.Fprintf(stderr, "palisade: %v\n", e)
				}
				return exitError{ExitUsage}
			case err != nil:
				return usageError{err}
			case sum.Failing():
				return exitError{ExitFindings}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Run, "run", "", "only run Rego tests and suite cases whose name matches this regular expression")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "print every test, print() output and failure traces")
	fl.BoolVar(&opts.Coverage, "coverage", false, "report the lines of the Rego policies the tests ran")
	fl.StringVar(&opts.RegoVersion, "rego-version", "", regoVersionHelp)
	return cmd
}

const regoVersionHelp = "Rego syntax of .rego files: v1, or v0 (default: v1, and v0 for a file only v0 parses)"

func validRegoVersion(v string) bool {
	return v == policy.RegoAuto || v == policy.RegoV0 || v == policy.RegoV1
}

// policyFlags are scan's custom-policy flags.
type policyFlags struct {
	dirs, namespaces []string
	regoVersion      string
}

func (p *policyFlags) register(fl *pflag.FlagSet) {
	fl.StringArrayVar(&p.dirs, "policy", nil, "custom policies: a folder or file of Rego (Conftest style) and Gatekeeper ConstraintTemplates and constraints, with data files (repeatable)")
	fl.StringSliceVar(&p.namespaces, "policy-namespace", nil, `Conftest packages whose deny/violation/warn rules run (default main; "*" for all)`)
	fl.StringVar(&p.regoVersion, "rego-version", "", regoVersionHelp)
}

// load compiles the policies, nil without --policy. Templates that only
// have Gatekeeper's CEL engine are not evaluated: a warning names each.
func (p *policyFlags) load(ctx context.Context, stderr io.Writer) (*policy.Set, error) {
	if len(p.dirs) == 0 {
		return nil, nil
	}
	if !validRegoVersion(p.regoVersion) {
		return nil, usagef("--rego-version %q: want v0 or v1", p.regoVersion)
	}
	set, err := policy.Load(ctx, policy.Options{Paths: p.dirs, Namespaces: p.namespaces, RegoVersion: p.regoVersion})
	if err != nil {
		return nil, usageError{fmt.Errorf("loading policies: %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))}
	}
	for _, u := range set.Unsupported() {
		fmt.Fprintf(stderr, "palisade: warning: %v\n", u)
	}
	return set, nil
}
