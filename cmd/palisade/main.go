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
	// evaluated and dropped), so the collector may let the heap grow a
	// little further than Go's default before running: on the 100,000
	// document benchmark 120 keeps peak RSS near 140 MiB where 200 costs
	// 180 MiB for 10% more speed (bench/scan.sh). Commands with other
	// needs (serve, audit) set their own; GOGC in the environment wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(120)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
