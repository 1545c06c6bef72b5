package lib.kubernetes_test

import data.lib.kubernetes

test_pod_spec_paths if {
	kubernetes.pod_specs({"kind": "Pod", "spec": {"a": 1}}) == {"spec": {"a": 1}}
	kubernetes.pod_specs({"kind": "Deployment", "spec": {"template": {"spec": {"a": 1}}}}) == {"spec.template.spec": {"a": 1}}
	kubernetes.pod_specs({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {}}}}}}) == {"spec.jobTemplate.spec.template.spec": {}}
	kubernetes.pod_specs({"kind": "PodTemplate", "template": {"spec": {}}}) == {"template.spec": {}}
}

test_no_pod_spec_for_other_kinds if {
	not kubernetes.pod_specs({"kind": "Service", "spec": {}})
}

test_namespace_defaults if {
	kubernetes.namespace({"metadata": {}}) == "default"
	kubernetes.namespace({"metadata": {"namespace": "web"}}) == "web"
}
