# Helpers of the benchmark's policies: the pod specs of an object by path.
package bench.lib

template_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}

pod_specs(obj) := {"spec": obj.spec} if obj.kind == "Pod"

pod_specs(obj) := {"spec.template.spec": obj.spec.template.spec} if obj.kind in template_kinds

pod_specs(obj) := {"spec.jobTemplate.spec.template.spec": obj.spec.jobTemplate.spec.template.spec} if obj.kind == "CronJob"

containers(obj) := [[sprintf("%s.containers[%d]", [at, i]), c] |
	some at, spec in pod_specs(obj)
	some i, c in spec.containers
]
