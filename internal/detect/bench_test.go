package detect_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/internal/auditlog"
	"github.com/palisade-dev/palisade/internal/detect"
)

// BenchmarkAuditLog reads a generated JSON-lines log and runs every
// detection over it: the whole `palisade audit` path but the output. It
// reports events/s and the peak live heap (after collections: what the
// run keeps, not garbage awaiting collection), at two log sizes: memory is
// bounded by the windows (dedup, bursts), so the two peaks are close while
// the logs differ fivefold. PALISADE_AUDIT_BENCH_EVENTS sets the larger
// size (default 1,000,000).
func BenchmarkAuditLog(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("PALISADE_AUDIT_BENCH_EVENTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	for _, size := range []int{n / 5, n} {
		b.Run(fmt.Sprintf("events=%d", size), func(b *testing.B) {
			log := generated(b, size)
			// One untimed run first: right after generating the log the
			// runtime is still sweeping and returning the generator's
			// garbage, which made first runs up to 3x slower.
			runLog(b, log)
			var events, findings int
			var peak uint64
			for b.Loop() {
				events, findings, peak = runLog(b, log)
			}
			b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-live-MiB")
			b.ReportMetric(float64(findings), "findings")
		})
	}
}

var (
	genMu   sync.Mutex
	genLogs = map[int][]byte{}
)

// generated returns (once per size and process) a log of n events, held in
// memory: a file written just before reading it would be measured with the
// kernel still writing it back.
func generated(b *testing.B, n int) []byte {
	genMu.Lock()
	defer genMu.Unlock()
	if log, ok := genLogs[n]; ok {
		return log
	}
	var buf bytes.Buffer
	if err := auditlog.Generate(&buf, n, auditlog.GenerateOptions{}); err != nil {
		b.Fatal(err)
	}
	genLogs[n] = buf.Bytes()
	return genLogs[n]
}

func runLog(b *testing.B, log []byte) (events, findings int, peak uint64) {
	eng, err := detect.New(detect.Config{})
	if err != nil {
		b.Fatal(err)
	}
	stop := samplePeakLive()
	err = auditlog.Read(context.Background(), bytes.NewReader(log), auditlog.Options{},
		func(r auditlog.Record) error {
			events++
			findings += len(eng.Observe(r.Event, "bench.log", r.Line))
			return nil
		},
		func(e auditlog.LineError) { b.Errorf("generated log: %v", e) })
	peak = stop()
	if err != nil {
		b.Fatal(err)
	}
	return events, findings, peak
}

// samplePeakLive polls the live heap (as of the last GC) until stopped and
// returns its peak above what was live at the start (the generated log
// itself, among others).
func samplePeakLive() (stop func() uint64) {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	base := s[0].Value.Uint64()
	done := make(chan struct{})
	result := make(chan uint64)
	go func() {
		var peak uint64
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-done:
				result <- peak - min(peak, base)
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-result }
}
