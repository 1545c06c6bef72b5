# palisade cluster preview --level baseline --version latest
# kube-system: exempt from Pod Security; left alone
kubectl label --overwrite namespace quiet pod-security.kubernetes.io/enforce=baseline pod-security.kubernetes.io/enforce-version=latest
# shop: already enforces baseline:latest
# strict: enforces restricted:latest, stricter than baseline:latest; left alone
