# Deny host PID, Conftest style: input is the object itself. The same rule
# as ../gatekeeper/template.yaml, with the same messages: both give the
# same verdict on the same object.
package main

import data.lib.kubernetes

# METADATA
# title: Workloads must not share the host's PID namespace
# description: >-
#   A container in the host PID namespace sees every process of the node,
#   can signal them, and reads their environment and command lines through
#   /proc, where credentials often sit.
# custom:
#   id: policy/no-host-pid
#   severity: high
#   remediation: |
#     spec:
#       hostPID: false
deny_host_pid contains {"msg": msg, "path": path} if {
	some at, spec in kubernetes.pod_specs(input)
	spec.hostPID == true
	path := concat(".", [at, "hostPID"])
	msg := sprintf("%s %q shares the host PID namespace (%s: true)", [input.kind, input.metadata.name, path])
}
