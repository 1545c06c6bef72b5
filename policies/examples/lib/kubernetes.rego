# Helpers shared by the Conftest-style example policies.
package lib.kubernetes

# Kinds whose pod template sits at spec.template.spec.
template_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}

# pod_specs maps the field path of each pod spec in obj to that spec, for
# every kind that runs pods.
pod_specs(obj) := {"spec": obj.spec} if obj.kind == "Pod"

pod_specs(obj) := {"spec.template.spec": obj.spec.template.spec} if obj.kind in template_kinds

pod_specs(obj) := {"spec.jobTemplate.spec.template.spec": obj.spec.jobTemplate.spec.template.spec} if obj.kind == "CronJob"

pod_specs(obj) := {"template.spec": obj.template.spec} if obj.kind == "PodTemplate"

# namespace is the object's namespace, "default" when the manifest leaves
# it to kubectl.
namespace(obj) := object.get(obj.metadata, "namespace", "default")
