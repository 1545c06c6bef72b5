#!/usr/bin/env bash
# The one test command: README.md names it and .ci/run calls it.
# Formatting, vet, every test with the race detector (integration tests
# included, on a real kube-apiserver and etcd), and bounded fuzz runs of
# the manifest decoder and of the webhook's JSON decoding.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-20s}

# The test cluster's binaries are built from the Go module proxy once and
# cached outside the checkout (~18 min cold, 0.3 s warm). Integration tests
# fail rather than skip when they are missing.
echo "== test cluster binaries"
KUBEBUILDER_ASSETS="$(hack/test-cluster-binaries.sh)"
export KUBEBUILDER_ASSETS
export PALISADE_REQUIRE_TEST_CLUSTER=1

echo "== gofmt"
bad=$(gofmt -l cmd internal)
if [ -n "$bad" ]; then echo "gofmt would change:"; echo "$bad"; exit 1; fi
echo "== go vet"
go vet ./...
echo "== go mod tidy is clean"
cp go.mod /tmp/palisade-go.mod.bak; cp go.sum /tmp/palisade-go.sum.bak
go mod tidy
if ! cmp -s go.mod /tmp/palisade-go.mod.bak || ! cmp -s go.sum /tmp/palisade-go.sum.bak; then
  echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1
fi
echo "== go test -race"
go test -race -count=1 -timeout 40m ./...
echo "== fuzz the decoder for $fuzztime"
go test ./internal/manifest -run '^$' -fuzz '^FuzzDecode$' -fuzztime "$fuzztime"
# The webhook's JSON decoding against encoding/json and sigs.k8s.io/json.
echo "== fuzz the webhook's JSON decoding for $fuzztime each"
go test ./internal/webhook -run '^$' -fuzz '^FuzzTypedDecode$' -fuzztime "$fuzztime"
go test ./internal/webhook -run '^$' -fuzz '^FuzzDecodeReview$' -fuzztime "$fuzztime"
echo "== all tests passed"
