#!/usr/bin/env bash
# Load test of `palisade serve` against upstream's own pod-security webhook,
# in the same run, on loopback: N AdmissionReviews (half a typical Pod, half
# a typical Deployment, bench/webhook-testdata/) at RATE per second over
# HTTP/1.1 keep-alive + TLS (as the API server calls webhooks), open loop, p50/p90/p99/p99.9/max per kind, server CPU per
# request and RSS over the run. Both webhooks read namespaces from a real
# kube-apiserver (hack/test-cluster-binaries.sh builds it once).
#
#   bench/webhook.sh [N] [RATE] [NICE]   # default 100000 1000 0 (~4 minutes)
#
# palisade runs Pod Security, every check and the ten Rego policies of
# bench/webhook-testdata/policies; upstream does only Pod Security.
# POLICIES="" runs palisade without the Rego policies. On a shared machine,
# NICE=-20 (root) keeps other jobs from deciding the tail latencies: the
# generator and both servers then get the CPU first.
#
# Upstream's webhook (k8s.io/pod-security-admission/cmd/webhook) is built
# from the Go module proxy into a cache folder outside the checkout, keyed
# by version ($PALISADE_PSA_WEBHOOK_CACHE, default
# $HOME/.cache/palisade/psa-webhook-<version>), and skipped when present.
# The version is the one go.mod requires, so both sides run the same checks.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
rate=${2:-1000}
nice=${3:-0}
policies=${POLICIES-bench/webhook-testdata/policies}

KUBEBUILDER_ASSETS="$(hack/test-cluster-binaries.sh)"
export KUBEBUILDER_ASSETS

psa_version=$(go list -m -f '{{.Version}}' k8s.io/pod-security-admission)
cache=${PALISADE_PSA_WEBHOOK_CACHE:-$HOME/.cache/palisade/psa-webhook-$psa_version}
if [ ! -x "$cache/webhook" ]; then
  echo "building k8s.io/pod-security-admission/cmd/webhook@$psa_version into $cache" >&2
  mkdir -p "$cache"
  # Outside this module, so its go.mod does not constrain the build.
  (cd "$cache" && GOFLAGS= GOWORK=off GOBIN="$cache" go install -trimpath "k8s.io/pod-security-admission/cmd/webhook@$psa_version")
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -trimpath -o "$tmp/palisade" ./cmd/palisade
go build -o "$tmp/webhookload" ./bench/webhookload
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
nice -n "$nice" "$tmp/webhookload" -palisade "$tmp/palisade" -upstream "$cache/webhook" \
  -testdata bench/webhook-testdata -policies "$policies" -n "$n" -rate "$rate"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
