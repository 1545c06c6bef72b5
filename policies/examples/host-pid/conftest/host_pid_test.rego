package main

test_pod_with_host_pid_is_denied if {
	deny_host_pid == {{
		"msg": `Pod "debug" shares the host PID namespace (spec.hostPID: true)`,
		"path": "spec.hostPID",
	}} with input as {"kind": "Pod", "metadata": {"name": "debug"}, "spec": {"hostPID": true}}
}

test_cronjob_path_names_the_pod_template if {
	some r in deny_host_pid with input as {
		"kind": "CronJob", "metadata": {"name": "c"},
		"spec": {"jobTemplate": {"spec": {"template": {"spec": {"hostPID": true}}}}},
	}
	r.path == "spec.jobTemplate.spec.template.spec.hostPID"
}

test_host_pid_false_is_allowed if {
	count(deny_host_pid) == 0 with input as {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"hostPID": false}}
}

# The Gatekeeper suite's fixtures, read with Conftest's parse_config_file:
# one set of objects, the same verdict in both styles.
test_gatekeeper_fixtures if {
	count(deny_host_pid) == 1 with input as parse_config_file("../gatekeeper/samples/pod-host-pid.yaml")
	count(deny_host_pid) == 1 with input as parse_config_file("../gatekeeper/samples/deployment-host-pid.yaml")
	count(deny_host_pid) == 0 with input as parse_config_file("../gatekeeper/samples/pod-ok.yaml")
}
