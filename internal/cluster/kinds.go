// Package cluster reads a live cluster through the Kubernetes API, list
// calls only, and runs the same engine the file scan runs over what it
// reads: a posture scan (findings and a per-namespace posture table) and a
// preview of what a stricter Pod Security level would reject.
package cluster

import (
	"slices"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/palisade-dev/palisade/internal/inventory"
	"github.com/palisade-dev/palisade/internal/workload"
)

// Kind is one resource palisade may list.
type Kind struct {
	Kind       string
	Resource   schema.GroupVersionResource
	Namespaced bool
}

// APIVersion is the kind's group/version as objects carry it.
func (k Kind) APIVersion() string { return k.Resource.GroupVersion().String() }

// String names the kind as warnings print it: "Deployment (apps/v1 deployments)".
func (k Kind) String() string {
	return k.Kind + " (" + k.APIVersion() + " " + k.Resource.Resource + ")"
}

func gvr(group, version, resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: group, Version: version, Resource: resource}
}

// Kinds is every resource palisade ever lists, in listing order: the
// namespaces first, then the facts the inventory learns, then what checks
// look at, then the workloads. deploy/cluster-reader-rbac.yaml grants
// exactly `list` on these (a test keeps the two equal); Secrets and
// ConfigMaps are never read.
var Kinds = []Kind{
	{"Namespace", gvr("", "v1", "namespaces"), false},
	{"NetworkPolicy", gvr("networking.k8s.io", "v1", "networkpolicies"), true},
	{"LimitRange", gvr("", "v1", "limitranges"), true},
	{"ResourceQuota", gvr("", "v1", "resourcequotas"), true},
	{"Role", gvr("rbac.authorization.k8s.io", "v1", "roles"), true},
	{"ClusterRole", gvr("rbac.authorization.k8s.io", "v1", "clusterroles"), false},
	{"RoleBinding", gvr("rbac.authorization.k8s.io", "v1", "rolebindings"), true},
	{"ClusterRoleBinding", gvr("rbac.authorization.k8s.io", "v1", "clusterrolebindings"), false},
	{"Service", gvr("", "v1", "services"), true},
	{"Ingress", gvr("networking.k8s.io", "v1", "ingresses"), true},
	{"ServiceAccount", gvr("", "v1", "serviceaccounts"), true},
	{"PodDisruptionBudget", gvr("policy", "v1", "poddisruptionbudgets"), true},
	{"CronJob", gvr("batch", "v1", "cronjobs"), true},
	{"Job", gvr("batch", "v1", "jobs"), true},
	{"Deployment", gvr("apps", "v1", "deployments"), true},
	{"StatefulSet", gvr("apps", "v1", "statefulsets"), true},
	{"DaemonSet", gvr("apps", "v1", "daemonsets"), true},
	{"ReplicaSet", gvr("apps", "v1", "replicasets"), true},
	{"ReplicationController", gvr("", "v1", "replicationcontrollers"), true},
	{"PodTemplate", gvr("", "v1", "podtemplates"), true},
	{"Pod", gvr("", "v1", "pods"), true},
}

// Purpose says what a run needs the cluster for.
type Purpose int

const (
	// ForScan lists what the engine and the posture table need.
	ForScan Purpose = iota
	// ForPreview lists namespaces and workloads only: pods to judge,
	// controllers to group them by and to warn about.
	ForPreview
)

// KindsFor returns the kinds a run lists, in listing order. checkKinds are
// the kinds the enabled checks look at (engine.CheckKinds); the kinds the
// inventory learns, Services (the posture table's load balancers) and every
// workload kind are always listed for a scan.
func KindsFor(p Purpose, checkKinds []string) []Kind {
	var out []Kind
	for _, k := range Kinds {
		isWorkload := workload.IsWorkloadKind(k.APIVersion(), k.Kind)
		var want bool
		switch p {
		case ForPreview:
			want = k.Kind == "Namespace" || isWorkload
		default:
			want = isWorkload || k.Kind == "Service" ||
				slices.Contains(inventory.LearnKinds, k.Kind) || slices.Contains(checkKinds, k.Kind)
		}
		if want {
			out = append(out, k)
		}
	}
	return out
}
