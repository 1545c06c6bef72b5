#!/usr/bin/env bash
# Build kube-apiserver and etcd from the Go module proxy (no other downloads),
# into a directory usable as KUBEBUILDER_ASSETS for controller-runtime envtest.
#
# usage: hack/test-cluster-binaries.sh [OUTPUT_DIR]   (default $HOME/.cache/palisade/k8s-bin, outside the checkout so CI reuses it)
# env:   K8S_VERSION   (default v1.37.2)  -> k8s.io/kubernetes version
#        ETCD_VERSION  (default v3.7.3)   -> go.etcd.io/etcd/server/v3 version
# stdout: one line, the assets directory ($OUTPUT_DIR/k8s-$K8S_VERSION-etcd-$ETCD_VERSION)
#         e.g.  export KUBEBUILDER_ASSETS="$(./build-binaries.sh)"
# Idempotent: a binary that already exists there and reports the wanted version is not rebuilt.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-v3.7.3}"
OUT_ROOT="${1:-${PALISADE_K8S_CACHE:-$HOME/.cache/palisade/k8s-bin}}"

mkdir -p "$OUT_ROOT"
OUT_ROOT="$(cd "$OUT_ROOT" && pwd)"
ASSETS="$OUT_ROOT/k8s-$K8S_VERSION-etcd-$ETCD_VERSION"
mkdir -p "$ASSETS"

log() { echo "build-binaries: $*" >&2; }

# Build in throwaway modules, outside any go.work of the caller.
export GOWORK=off GOFLAGS=-mod=mod
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# ---------- kube-apiserver ----------
if [ -x "$ASSETS/kube-apiserver" ] && "$ASSETS/kube-apiserver" --version 2>/dev/null | grep -qx "Kubernetes $K8S_VERSION"; then
  log "kube-apiserver $K8S_VERSION present, skipping"
else
  log "building kube-apiserver $K8S_VERSION"
  # k8s.io/kubernetes v1.X.Y pairs with the staging modules k8s.io/* v0.X.Y
  IFS=. read -r major minor patch <<<"${K8S_VERSION#v}"
  STAGING_VERSION="v0.$minor.$patch"

  # The published go.mod replaces each staging module with ./staging/src/...;
  # those replaces are ignored in a dependency, so pin each to its released version.
  dl="$(cd "$WORK" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION")"
  kmod="$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p' <<<"$dl")"
  kinfo="$(sed -n 's/^[[:space:]]*"Info": "\(.*\)",*$/\1/p' <<<"$dl")"
  build_date="$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$kinfo")"
  staging="$(awk '{ if ($1 == "replace") $1 = ""; $0 = $0 }
                  $2 == "=>" && $3 ~ /^\.\/staging\// { print $1 }' "$kmod" | sort)"
  required="$(awk '$2 == "v0.0.0" { print $1 }' "$kmod" | sort)"

  mkdir -p "$WORK/kas"
  {
    printf 'module tmp/kubeapiserver\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$K8S_VERSION"
    comm -12 <(echo "$staging") <(echo "$required") | while read -r m; do
      printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"
    done
    printf ')\n'
  } >"$WORK/kas/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver"\n' >"$WORK/kas/tools.go"

  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor"
    ld="$ld -X $p.gitTreeState=archive -X $p.buildDate=$build_date"
  done
  (cd "$WORK/kas" && go mod tidy && \
   go build -trimpath -ldflags "$ld" -o "$ASSETS/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver)
  mv -f "$ASSETS/kube-apiserver.tmp" "$ASSETS/kube-apiserver"
  log "$("$ASSETS/kube-apiserver" --version)"
fi

# ---------- etcd ----------
if [ -x "$ASSETS/etcd" ] && "$ASSETS/etcd" --version 2>/dev/null | grep -qx "etcd Version: ${ETCD_VERSION#v}"; then
  log "etcd $ETCD_VERSION present, skipping"
else
  log "building etcd $ETCD_VERSION"
  mkdir -p "$WORK/etcd"
  printf 'module tmp/etcd\n\ngo 1.26.0\n' >"$WORK/etcd/go.mod"
  cat >"$WORK/etcd/main.go" <<'EOF'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
  (cd "$WORK/etcd" && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" && go mod tidy && \
   go build -trimpath -ldflags "-s -w" -o "$ASSETS/etcd.tmp" .)
  mv -f "$ASSETS/etcd.tmp" "$ASSETS/etcd"
  log "$("$ASSETS/etcd" --version | head -1)"
fi

echo "$ASSETS"
