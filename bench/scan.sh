#!/usr/bin/env bash
# Scan throughput, peak memory and start-up time of the palisade binary.
#
#   bench/scan.sh [DOCS]        (default 100000)
#
# Scans (1) the real public corpus in ../shared/corpus/real and (2) a seeded
# synthetic set of DOCS documents from ../shared/bench/gen-corpus.py, and
# prints documents/second and peak RSS for each, then the start-up time of
# a one-file scan (median of 20 runs). Needs python3 and GNU time
# (/usr/bin/time, Debian package "time").
set -euo pipefail
cd "$(dirname "$0")/.."
docs=${1:-100000}
shared=${SHARED:-../shared}
work=${TMPDIR:-/tmp}/palisade-bench
mkdir -p "$work"
go build -o "$work/palisade" ./cmd/palisade
bin=$work/palisade

corpus=$work/synthetic-$docs
if [ ! -d "$corpus" ]; then
  python3 "$shared/bench/gen-corpus.py" --docs "$docs" --out "$corpus" --seed 1 >/dev/null
fi

measure() { # name dir
  local name=$1 dir=$2 t0 t1 rss n
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/rss" "$bin" scan -o json --fail-on none "$dir" >"$work/out.json" &
  # Peak RSS counts the pages of the binary's code it maps (30-75 MiB of
  # the 145 MB binary, depending on the page cache), so the anonymous part
  # (heap, stacks) is sampled too, every 50 ms, with builtins only.
  local tpid=$! pid="" anon=0 k v
  while kill -0 "$tpid" 2>/dev/null; do
    [ -z "$pid" ] && pid=$(pgrep -P "$tpid" | head -1 || true)
    if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
      while read -r k v _; do
        [ "$k" = RssAnon: ] && [ "$v" -gt "$anon" ] && anon=$v
      done <"/proc/$pid/status" 2>/dev/null
    fi
    sleep 0.05
  done
  wait "$tpid" || true
  t1=$(date +%s.%N)
  rss=$(tail -1 "$work/rss")
  n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["summary"]; print(s["resources"], s["findings"], len(d["errors"]))' "$work/out.json")
  set -- $n
  python3 - "$name" "$t0" "$t1" "$rss" "$anon" "$1" "$2" "$3" <<'PY'
import sys
name, t0, t1, rss, anon, res, fin, errs = sys.argv[1:]
secs = float(t1) - float(t0)
print(f"{name}: {res} documents, {fin} findings, {errs} errors in {secs:.2f}s = "
      f"{int(res)/secs:,.0f} documents/s, peak RSS {int(rss)/1024:.1f} MiB "
      f"(anonymous, sampled: {int(anon)/1024:.1f} MiB)")
PY
}

[ -d "$shared/corpus/real" ] && measure "real corpus ($shared/corpus/real)" "$shared/corpus/real"
measure "synthetic $docs" "$corpus"

one=examples/api-compliant.yaml
times=()
for _ in $(seq 20); do
  t0=$(date +%s%N); "$bin" scan "$one" >/dev/null; t1=$(date +%s%N)
  times+=($(( (t1 - t0) / 1000 )))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 10p)
echo "start-up: one small file, median of 20 runs: $((median / 1000)).$(( (median % 1000) / 100 )) ms"
