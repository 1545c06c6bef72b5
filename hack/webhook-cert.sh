#!/usr/bin/env bash
# Make a self-signed CA and a serving pair for `palisade serve` (without
# cert-manager; with it, use deploy/webhook-cert-manager/ instead).
#
#   hack/webhook-cert.sh [OUT_DIR]           # writes ca.crt, tls.crt, tls.key
#   hack/webhook-cert.sh --apply [OUT_DIR]   # also creates the Secret and sets
#                                            # the caBundle (kubectl, after
#                                            # kubectl apply -k deploy/webhook/)
#
# NAMESPACE (palisade-system), SERVICE (palisade-webhook) and DAYS (365)
# may be set. Renewing: run again with --apply; the server picks up the new
# Secret content without a restart (kubelet updates the volume within about
# a minute), and the new caBundle is set at the same time. Old and new CA
# differ, so during that minute calls may fail TLS: for rotation without
# any gap use cert-manager, or keep ca.key and re-sign (this script reuses
# OUT_DIR/ca.key when present).
set -euo pipefail

apply=false
if [ "${1:-}" = "--apply" ]; then apply=true; shift; fi
out=${1:-./webhook-certs}
ns=${NAMESPACE:-palisade-system}
svc=${SERVICE:-palisade-webhook}
days=${DAYS:-365}

mkdir -p "$out"
cd "$out"
umask 077

if [ ! -f ca.key ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ca.key -out ca.crt -days $((days * 5)) \
    -subj "/CN=palisade-webhook-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout tls.key -out tls.csr -subj "/CN=$svc.$ns.svc" 2>/dev/null
cat > tls.ext <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:$svc.$ns.svc,DNS:$svc.$ns.svc.cluster.local,DNS:$svc.$ns,DNS:$svc
EOF
openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
  -out tls.crt -days "$days" -extfile tls.ext 2>/dev/null
rm -f tls.csr tls.ext ca.srl
openssl verify -CAfile ca.crt tls.crt >/dev/null
echo "wrote $out/ca.crt, $out/tls.crt, $out/tls.key (for $svc.$ns.svc, $days days)" >&2

if $apply; then
  kubectl -n "$ns" create secret tls palisade-webhook-tls --cert=tls.crt --key=tls.key \
    --dry-run=client -o yaml | kubectl apply -f -
  bundle=$(base64 < ca.crt | tr -d '\n')
  n=$(kubectl get validatingwebhookconfiguration palisade -o jsonpath='{.webhooks[*].name}' | wc -w)
  patch="["
  for ((i = 0; i < n; i++)); do
    [ "$i" -gt 0 ] && patch+=","
    patch+="{\"op\":\"add\",\"path\":\"/webhooks/$i/clientConfig/caBundle\",\"value\":\"$bundle\"}"
  done
  patch+="]"
  kubectl patch validatingwebhookconfiguration palisade --type=json -p "$patch"
  echo "Secret $ns/palisade-webhook-tls and the caBundle of ValidatingWebhookConfiguration palisade are set" >&2
else
  echo "caBundle: $(base64 < ca.crt | tr -d '\n')"
fi
