package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/palisade-dev/palisade/internal/pss"
	"github.com/palisade-dev/palisade/internal/version"
)

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and the supported Pod Security versions",
		Args:  exactArgsOrUsage(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, c := version.Info()
			vs := pss.Versions()
			_, err := fmt.Fprintf(stdout, "palisade %s\ncommit: %s\npod security versions: %s..%s (%s)\n",
				v, c, vs[0], vs[len(vs)-2], strings.Join(vs, ", "))
			return err
		},
	}
}
