package cli

import (
	"io"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/detect"
	"github.com/palisade-dev/palisade/internal/engine"
	"github.com/palisade-dev/palisade/internal/report"
)

func newChecksCmd(stdout io.Writer) *cobra.Command {
	var (
		format string
		pol    policyFlags
	)
	cmd := &cobra.Command{
		Use:   "checks [ID]",
		Short: "List every check, or show one with its rationale and remediation",
		Args:  exactArgsOrUsage(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			policies, err := pol.load(cmd.Context(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			eng, err := engine.New(engine.Options{Defaults: api.Policy{}, Policies: policies})
			if err != nil {
				return err
			}
			// One catalogue: the engine's checks and policies, and the
			// audit-log detections.
			rules := append(eng.Rules(), detect.Rules()...)
			if len(args) == 1 {
				for _, r := range rules {
					if r.ID == args[0] {
						return report.RuleDetail(stdout, r)
					}
				}
				return usagef("no check %q (palisade checks lists them)", args[0])
			}
			if err := report.Catalogue(stdout, format, rules); err != nil {
				return usageError{err}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "o", "text", "output format: "+strings.Join(report.CatalogueFormats(), ", "))
	pol.register(cmd.Flags()) // list the rules of custom policies too
	return cmd
}
