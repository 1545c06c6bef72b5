# Restricted PriorityClasses only in the namespaces allowed to use them,
# Conftest style, with the allow-list in a data file beside the policy.
package main

import data.lib.kubernetes

# METADATA
# title: Restricted PriorityClasses only in their allowed namespaces
# description: >-
#   A high PriorityClass lets a tenant's pods preempt everyone else's and
#   survive node pressure. Platform-critical classes are reserved to the
#   namespaces listed in data.restrictedPriorityClasses.
# custom:
#   id: policy/priority-class-namespace
#   severity: high
#   remediation: |
#     spec:
#       priorityClassName: ""   # or a class open to this namespace
deny_priority_class contains {"msg": msg, "path": path} if {
	some at, spec in kubernetes.pod_specs(input)
	class := spec.priorityClassName
	allowed := data.restrictedPriorityClasses[class]
	ns := kubernetes.namespace(input)
	not ns in allowed
	path := concat(".", [at, "priorityClassName"])
	msg := sprintf("%s %q in namespace %q uses PriorityClass %q, reserved to namespaces %v", [input.kind, input.metadata.name, ns, class, allowed])
}
