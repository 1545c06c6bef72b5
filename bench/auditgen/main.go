// Command auditgen writes a synthetic Kubernetes audit log (JSON lines) for
// bench/audit.sh: go run ./bench/auditgen -n 1000000 > audit.log
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/palisade-dev/palisade/internal/auditlog"
)

func main() {
	n := flag.Int("n", 1_000_000, "number of events")
	rate := flag.Int("rate", 1000, "events per second of event time")
	flag.Parse()
	if err := auditlog.Generate(os.Stdout, *n, auditlog.GenerateOptions{Rate: *rate}); err != nil {
		fmt.Fprintln(os.Stderr, "auditgen:", err)
		os.Exit(1)
	}
}
