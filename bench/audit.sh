#!/usr/bin/env bash
# Audit-log throughput and memory.
#
#   bench/audit.sh [EVENTS]        (default 1000000)
#
# (1) The in-process benchmark (internal/detect BenchmarkAuditLog): reading,
#     decoding and every detection over a generated log of EVENTS/5 and
#     EVENTS events; events/s and the peak live heap, which stays flat
#     because memory is bounded by the windows, not by the log.
# (2) The binary: `palisade audit -o jsonl` over generated logs of EVENTS/5
#     and EVENTS events (bench/auditgen: a busy cluster's mix at 1000
#     events/s of event time); events/s and peak RSS (GNU time,
#     /usr/bin/time, Debian package "time").
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
work=${TMPDIR:-/tmp}/palisade-bench
mkdir -p "$work"

echo "== in-process (go test -bench BenchmarkAuditLog)"
PALISADE_AUDIT_BENCH_EVENTS=$events go test ./internal/detect -run '^$' -bench BenchmarkAuditLog -benchtime 1x |
  awk '/^BenchmarkAuditLog/ { for (i = 1; i <= NF; i++) { if ($(i+1) == "events/s") ev = $i; if ($(i+1) == "peak-live-MiB") mem = $i }
        printf "%s: %'"'"'d events/s, peak live heap %s MiB\n", $1, ev, mem }'

echo "== binary (palisade audit -o jsonl)"
go build -o "$work/palisade" ./cmd/palisade
for n in $((events / 5)) "$events"; do
  log=$work/audit-$n.log
  [ -s "$log" ] || go run ./bench/auditgen -n "$n" >"$log"
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M %U %S' -o "$work/rss" "$work/palisade" audit -o jsonl --fail-on none "$log" >"$work/findings.jsonl"
  t1=$(date +%s.%N)
  read -r rss user sys < <(tail -1 "$work/rss")
  awk -v n="$n" -v t0="$t0" -v t1="$t1" -v rss="$rss" -v cpu="$(echo "$user + $sys" | bc)" -v f="$(wc -l <"$work/findings.jsonl")" 'BEGIN {
    s = t1 - t0; printf "%d events, %d findings in %.2fs = %d events/s (%.2f CPU s), peak RSS %.1f MiB\n", n, f, s, n / s, cpu, rss / 1024 }'
done
# The machine's other work slows the figures above; the load average shows
# how busy it was.
uptime
