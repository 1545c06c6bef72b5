#!/usr/bin/env bash
# Custom-policy cost: 20 Rego policies (10 Conftest rules, 10 Gatekeeper
# constraints) over 10,000 objects, in process and through the binary.
#
#   bench/policy.sh [DOCS]        (default 10000)
#
# (1) go test -bench over internal/policy: objects/s, wall and CPU ns per
#     object (CPU time does not grow when other processes share the machine),
#     and the one-off load (parse, compile, prepare) of the 20 policies.
# (2) palisade scan of a seeded synthetic corpus (../shared/bench/gen-corpus.py)
#     with --checks 'policy/*', with and without the 20 policies, and with the
#     referential example policies of policies/examples (data.inventory kept
#     in the first pass). Needs python3.
set -euo pipefail
cd "$(dirname "$0")/.."
docs=${1:-10000}
shared=${SHARED:-../shared}
work=${TMPDIR:-/tmp}/palisade-bench-policy
mkdir -p "$work"

echo "== in process (internal/policy)"
go test ./internal/policy -run '^$' -bench 'BenchmarkPolicy(Eval|Load)$' -benchtime 3x | grep -E '^Benchmark'
go test ./internal/policy -run '^$' -bench 'BenchmarkPolicyEvalParallel$' -benchtime "${docs}x" | grep -E '^Benchmark'

echo "== binary"
go build -o "$work/palisade" ./cmd/palisade
corpus=$work/synthetic-$docs
if [ ! -d "$corpus" ]; then
  python3 "$shared/bench/gen-corpus.py" --docs "$docs" --out "$corpus" --seed 1 >/dev/null
fi

# The same 20 policies as BenchmarkPolicyEval, over every workload kind.
pol=$work/policies
rm -rf "$pol"; mkdir -p "$pol"
checks=(
  'host_pid|spec.hostPID == true'
  'host_network|spec.hostNetwork == true'
  'host_ipc|spec.hostIPC == true'
  'privileged|spec.containers[_].securityContext.privileged == true'
  'latest_tag|endswith(spec.containers[_].image, ":latest")'
  'registry|c := spec.containers[_]; not startswith(c.image, "registry.example.com/")'
  'no_limits|c := spec.containers[_]; not c.resources.limits.memory'
  'run_as_root|spec.securityContext.runAsUser == 0'
  'host_path|spec.volumes[_].hostPath'
  'escalation|spec.containers[_].securityContext.allowPrivilegeEscalation == true'
)
{
  echo 'package main'
  echo 'specs[s] { s := input.spec }'
  echo 'specs[s] { s := input.spec.template.spec }'
  echo 'specs[s] { s := input.spec.jobTemplate.spec.template.spec }'
  for c in "${checks[@]}"; do
    printf 'deny_%s[msg] { spec := specs[_]; %s; msg := "%s" }\n' "${c%%|*}" "${c#*|}" "${c%%|*}"
  done
} >"$pol/main.rego"
i=0
for c in "${checks[@]}"; do
  name=${c%%|*}
  cat >"$pol/t$i.yaml" <<YAML
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sbench$i}
spec:
  crd: {spec: {names: {kind: K8sBench$i}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package bench$i
      specs[s] { s := input.review.object.spec }
      specs[s] { s := input.review.object.spec.template.spec }
      specs[s] { s := input.review.object.spec.jobTemplate.spec.template.spec }
      violation[{"msg": "$name"}] { spec := specs[_]; ${c#*|} }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sBench$i
metadata: {name: bench}
spec:
  match: {excludedNamespaces: [kube-system]}
YAML
  i=$((i + 1))
done

run() { # label, scan arguments...
  local label=$1 t0 t1; shift
  t0=$(date +%s.%N)
  "$work/palisade" scan -o json --fail-on none --checks 'policy/*' "$@" "$corpus" >"$work/out.json" || true
  t1=$(date +%s.%N)
  python3 - "$label" "$t0" "$t1" "$work/out.json" <<'PY'
import json, sys
label, t0, t1, path = sys.argv[1:]
d = json.load(open(path)); s = d["summary"]; secs = float(t1) - float(t0)
print(f"{label}: {s['resources']} objects, {s['findings']} policy findings in {secs:.2f}s = {s['resources']/secs:,.0f} objects/s")
PY
}
run "no policies         "
run "20 policies         " --policy "$pol"
run "examples (inventory)" --policy policies/examples
