#!/usr/bin/env bash
# Cluster scan and preview over a generated cluster in a real API server.
#
#   bench/cluster.sh [PODS]        (default 5000)
#
# Starts etcd + kube-apiserver (hack/test-cluster-binaries.sh builds them
# once), creates PODS pods (namespaces of 100: 10 Deployments, each with a
# ReplicaSet and 10 pods, specs cycling through passing, restricted- and
# baseline-failing ones), then times `cluster scan` (list + engine + posture)
# and `cluster preview --level restricted` (list + judge every pod), and
# counts their API calls with a counting http.RoundTripper. Also times one
# server-side dry-run of the enforce label, for scale.
set -euo pipefail
cd "$(dirname "$0")/.."
pods=${1:-5000}
KUBEBUILDER_ASSETS="$(hack/test-cluster-binaries.sh)"
export KUBEBUILDER_ASSETS PALISADE_REQUIRE_TEST_CLUSTER=1 PALISADE_BENCH_PODS=$pods
go test ./internal/cluster -run '^$' -bench '^BenchmarkCluster5000Pods$' -benchtime 3x -benchmem -v 2>&1 |
  grep -E '^(Benchmark.*op|ok|FAIL|PASS)|generated'
