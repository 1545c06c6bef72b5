package main

deployment(ns, class) := {
	"kind": "Deployment",
	"metadata": {"name": "api", "namespace": ns},
	"spec": {"template": {"spec": {"priorityClassName": class}}},
}

test_restricted_class_outside_its_namespaces if {
	some r in deny_priority_class with input as deployment("shop", "system-cluster-critical")
	r.path == "spec.template.spec.priorityClassName"
	contains(r.msg, `reserved to namespaces ["kube-system"]`)
}

test_restricted_class_in_an_allowed_namespace if {
	count(deny_priority_class) == 0 with input as deployment("monitoring", "platform-critical")
}

test_unlisted_class_is_free if {
	count(deny_priority_class) == 0 with input as deployment("shop", "batch-low")
}

test_missing_namespace_is_default if {
	some r in deny_priority_class with input as json.remove(deployment("x", "platform-critical"), ["metadata/namespace"])
	contains(r.msg, `in namespace "default"`)
}

test_the_allow_list_comes_from_data if {
	count(deny_priority_class) == 0 with input as deployment("shop", "platform-critical")
		with data.restrictedPriorityClasses as {"platform-critical": ["shop"]}
}

test_fixtures if {
	count(deny_priority_class) == 1 with input as parse_config_file("samples/tenant-critical.yaml")
	count(deny_priority_class) == 0 with input as parse_config_file("samples/monitoring-critical.yaml")
}
