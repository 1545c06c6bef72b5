// Command palisade keeps insecure workloads out of Kubernetes clusters.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"

	"github.com/palisade-dev/palisade/internal/cli"
)

func main() {
	// A scan allocates much and keeps little (each file is decoded,
	// evaluated and dropped), so the collector may let the heap grow
	// further than Go's default before running. GOGC still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
