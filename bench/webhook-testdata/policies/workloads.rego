# Seven Conftest-style policies the benchmark's typical Pod and Deployment
# pass: what a platform team typically adds on top of Pod Security. The
# benchmark measures their cost, so they read the whole pod spec.
package main

import data.bench.lib

# METADATA
# title: Objects carry the app.kubernetes.io/name label
# custom:
#   id: policy/bench-name-label
#   severity: low
deny_name_label contains {"msg": msg, "path": "metadata.labels"} if {
	input.kind in {"Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}
	not input.metadata.labels["app.kubernetes.io/name"]
	msg := sprintf("%s %q has no app.kubernetes.io/name label", [input.kind, input.metadata.name])
}

# METADATA
# title: Pods do not use the host network
# custom:
#   id: policy/bench-host-network
#   severity: high
deny_host_network contains {"msg": msg, "path": concat(".", [at, "hostNetwork"])} if {
	some at, spec in lib.pod_specs(input)
	spec.hostNetwork == true
	msg := sprintf("%s %q uses the host network", [input.kind, input.metadata.name])
}

# METADATA
# title: Images come from the company registry
# custom:
#   id: policy/bench-trusted-registry
#   severity: high
deny_registry contains {"msg": msg, "path": concat(".", [at, "image"])} if {
	some [at, c] in lib.containers(input)
	not startswith(c.image, "registry.example.com/")
	msg := sprintf("container %q uses image %q from outside registry.example.com", [c.name, c.image])
}

# METADATA
# title: Containers set a memory limit
# custom:
#   id: policy/bench-memory-limit
#   severity: medium
deny_memory_limit contains {"msg": msg, "path": concat(".", [at, "resources.limits.memory"])} if {
	some [at, c] in lib.containers(input)
	not c.resources.limits.memory
	msg := sprintf("container %q sets no memory limit", [c.name])
}

# METADATA
# title: Serving containers have a readiness probe
# custom:
#   id: policy/bench-readiness-probe
#   severity: low
deny_readiness contains {"msg": msg, "path": concat(".", [at, "readinessProbe"])} if {
	some [at, c] in lib.containers(input)
	some p in c.ports
	p.name == "http"
	not c.readinessProbe
	msg := sprintf("container %q serves http without a readiness probe", [c.name])
}

# METADATA
# title: Images are not tagged latest
# custom:
#   id: policy/bench-no-latest
#   severity: medium
deny_latest contains {"msg": msg, "path": concat(".", [at, "image"])} if {
	some [at, c] in lib.containers(input)
	endswith(c.image, ":latest")
	msg := sprintf("container %q uses the latest tag", [c.name])
}

# METADATA
# title: Secrets come from secretKeyRef, not literals
# custom:
#   id: policy/bench-literal-secret
#   severity: high
deny_literal_secret contains {"msg": msg, "path": sprintf("%s.env[%d].value", [at, i])} if {
	some [at, c] in lib.containers(input)
	some i, e in c.env
	regex.match(`(?i)(password|secret|token)`, e.name)
	e.value
	msg := sprintf("container %q sets %s as a literal", [c.name, e.name])
}
