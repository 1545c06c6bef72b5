package detect

import (
	"testing"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

func named(name string) opt { return func(e *auditv1.Event) { e.ObjectRef.Name = name } }

func TestChangeDetections(t *testing.T) {
	const (
		crbURI = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
		rbURI  = "/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings"
		crURI  = "/apis/rbac.authorization.k8s.io/v1/clusterroles"
	)
	adminBinding := `{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"ops"},
		"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},
		"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"bob"}]}`
	runCases(t, []detectCase{
		{name: "cluster-admin binding created (name from the object)",
			events: []*auditv1.Event{ev("create", crbURI, code(201), reqObj(t, adminBinding))},
			want:   []string{`audit/privileged-binding: create binding to ClusterRole cluster-admin (subjects: User "bob"): user "alice" from 10.1.2.3 create clusterrolebindings ops (201) at ` + ts}},
		{name: "a role handed to every authenticated user",
			events: []*auditv1.Event{ev("create", rbURI, code(201), reqObj(t, `{"metadata":{"name":"all-view","namespace":"shop"},
				"roleRef":{"kind":"ClusterRole","name":"view"},"subjects":[{"kind":"Group","name":"system:authenticated"},{"kind":"Group","name":"dev"}]}`))},
			want: []string{`audit/privileged-binding: create binding Group "system:authenticated" bound to ClusterRole view (subjects: Group "system:authenticated", Group "dev"): user "alice" from 10.1.2.3 create rolebindings shop/all-view (201) at ` + ts}},
		{name: "a patch is judged on the response object, the binding after the patch",
			events: []*auditv1.Event{ev("patch", crbURI+"/viewers", reqObj(t, `{"subjects":[{"kind":"User","name":"system:anonymous"}]}`),
				respObj(`{"kind":"ClusterRoleBinding","metadata":{"name":"viewers"},"roleRef":{"kind":"ClusterRole","name":"view"},"subjects":[{"kind":"User","name":"system:anonymous"}]}`))},
			want: []string{`audit/privileged-binding: patch binding User "system:anonymous" bound to ClusterRole view (subjects: User "system:anonymous"): user "alice" from 10.1.2.3 patch clusterrolebindings viewers (200) at ` + ts}},
		{name: "bindings the API server bootstraps, failed creates, Metadata level, system:masters",
			events: []*auditv1.Event{
				ev("create", crbURI, code(201), reqObj(t, adminBinding), user("system:apiserver", "system:masters")),
				ev("create", crbURI, code(409), reqObj(t, adminBinding)),
				ev("create", crbURI, code(201)),
				ev("create", crbURI, code(201), reqObj(t, `{"metadata":{"name":"m"},"roleRef":{"kind":"ClusterRole","name":"view"},"subjects":[{"kind":"Group","name":"system:masters"}]}`)),
			}},

		{name: "webhook configuration deleted, read ignored",
			events: []*auditv1.Event{
				ev("delete", "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/palisade"),
				ev("get", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio"),
			},
			want: []string{`audit/webhook-config-change: ValidatingWebhookConfiguration delete: user "alice" from 10.1.2.3 delete validatingwebhookconfigurations palisade (200) at ` + ts}},
		{name: "ConfigMap deleted in kube-system, not elsewhere, not by the token cleaner",
			events: []*auditv1.Event{
				ev("delete", "/api/v1/namespaces/kube-system/configmaps/kubeadm-config"),
				ev("delete", "/api/v1/namespaces/shop/secrets/db"),
				ev("delete", "/api/v1/namespaces/kube-system/secrets/bootstrap-token-x", user("system:serviceaccount:kube-system:token-cleaner")),
			},
			want: []string{`audit/kube-system-delete: ConfigMap deleted in kube-system: user "alice" from 10.1.2.3 delete configmaps kube-system/kubeadm-config (200) at ` + ts}},
		{name: "namespace outside the allowed list",
			cfg: Config{AllowedNamespaces: []string{"team-*"}},
			events: []*auditv1.Event{
				ev("create", "/api/v1/namespaces", code(201), named("scratch")),
				ev("create", "/api/v1/namespaces", code(201), reqObj(t, `{"metadata":{"name":"team-a"}}`)),
			},
			want: []string{`audit/disallowed-namespace: namespace "scratch" created outside audit.allowedNamespaces: user "alice" from 10.1.2.3 create namespaces scratch (201) at ` + ts}},

		{name: "system role changed, bootstrap and coredns aside",
			events: []*auditv1.Event{
				ev("update", crURI+"/system:node"),
				ev("update", crURI+"/system:coredns"),
				ev("update", crURI+"/system:node", user("system:apiserver")),
				ev("update", crURI+"/edit"),
			},
			want: []string{`audit/system-role-change: ClusterRole update: user "alice" from 10.1.2.3 update clusterroles system:node (200) at ` + ts}},
		{name: "roles with wildcards, pods/exec and write verbs",
			events: []*auditv1.Event{
				ev("create", crURI, code(201), reqObj(t, `{"metadata":{"name":"everything"},"rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}`)),
				ev("create", "/apis/rbac.authorization.k8s.io/v1/namespaces/shop/roles", code(201),
					reqObj(t, `{"metadata":{"name":"debugger","namespace":"shop"},"rules":[{"apiGroups":[""],"resources":["pods","pods/exec"],"verbs":["get","create"]}]}`)),
				ev("create", crURI, code(201), reqObj(t, `{"metadata":{"name":"reader"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]}]}`)),
			},
			want: []string{
				`audit/wildcard-role: ClusterRole created with wildcard resources or verbs: user "alice" from 10.1.2.3 create clusterroles everything (201) at ` + ts,
				`audit/exec-role: Role created allowing pods/exec: user "alice" from 10.1.2.3 create roles shop/debugger (201) at ` + ts,
				`audit/write-role: Role created with write verbs: user "alice" from 10.1.2.3 create roles shop/debugger (201) at ` + ts,
			}},
		{name: "NodePort Service and Ingress without TLS",
			events: []*auditv1.Event{
				ev("create", "/api/v1/namespaces/shop/services", code(201), reqObj(t, `{"metadata":{"name":"web"},"spec":{"type":"NodePort","ports":[{"port":80}]}}`)),
				ev("create", "/api/v1/namespaces/shop/services", code(201), reqObj(t, `{"metadata":{"name":"db"},"spec":{"type":"ClusterIP"}}`)),
				ev("create", "/apis/networking.k8s.io/v1/namespaces/shop/ingresses", code(201), reqObj(t, `{"metadata":{"name":"web"},"spec":{"rules":[{"host":"shop.example"}]}}`)),
				ev("create", "/apis/networking.k8s.io/v1/namespaces/shop/ingresses", code(201), reqObj(t, `{"metadata":{"name":"tls"},"spec":{"tls":[{"secretName":"cert"}]}}`)),
			},
			want: []string{
				`audit/nodeport-service: NodePort Service created: user "alice" from 10.1.2.3 create services shop/web (201) at ` + ts,
				`audit/ingress-without-tls: Ingress created without TLS: user "alice" from 10.1.2.3 create ingresses shop/web (201) at ` + ts,
			}},
		{name: "ConfigMap with a password",
			events: []*auditv1.Event{
				ev("create", "/api/v1/namespaces/shop/configmaps", code(201), reqObj(t, `{"metadata":{"name":"app"},"data":{"a.properties":"db.url=x\ndb.Password=hunter2","z":"1"}}`)),
				ev("create", "/api/v1/namespaces/shop/configmaps", code(201), reqObj(t, `{"metadata":{"name":"plain"},"data":{"level":"debug"}}`)),
			},
			want: []string{`audit/configmap-credentials: ConfigMap key "a.properties" looks like a credential (password): user "alice" from 10.1.2.3 create configmaps shop/app (201) at ` + ts}},
		{name: "pods and ServiceAccounts created in kube namespaces",
			events: []*auditv1.Event{
				ev("create", "/api/v1/namespaces/kube-system/pods", code(201), named("miner")),
				ev("create", "/api/v1/namespaces/kube-system/pods", code(201), named("kube-proxy-x"), user("system:serviceaccount:kube-system:daemon-set-controller")),
				ev("create", "/api/v1/namespaces/kube-public/serviceaccounts", code(201), named("backdoor")),
				ev("create", "/api/v1/namespaces/shop/serviceaccounts", code(201), named("web")),
			},
			want: []string{
				`audit/pod-in-kube-namespace: pod created in kube-system: user "alice" from 10.1.2.3 create pods kube-system/miner (201) at ` + ts,
				`audit/sa-in-kube-namespace: ServiceAccount created in kube-public: user "alice" from 10.1.2.3 create serviceaccounts kube-public/backdoor (201) at ` + ts,
			}},
	})
}

func TestPodDetections(t *testing.T) {
	const podsURI = "/api/v1/namespaces/shop/pods"
	privileged := `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"root","namespace":"shop"},"spec":{
		"hostNetwork":true,"volumes":[{"name":"host","hostPath":{"path":"/"}}],
		"containers":[{"name":"c","image":"busybox","securityContext":{"privileged":true}}]}}`
	restrictedOnly := `{"metadata":{"name":"web"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}`
	runCases(t, []detectCase{
		{name: "privileged pod: upstream's Baseline checks, upstream's messages",
			events: []*auditv1.Event{ev("create", podsURI, code(201), reqObj(t, privileged))},
			want: []string{`audit/privileged-pod: pod created that breaks Baseline (pss/hostNamespaces: host namespaces (hostNetwork=true); ` +
				`pss/hostPathVolumes: hostPath volumes (volume "host"); pss/privileged: privileged (container "c" must not set securityContext.privileged=true)): ` +
				`user "alice" from 10.1.2.3 create pods shop/root (201) at ` + ts}},
		{name: "the response object (after defaulting) wins over the request",
			events: []*auditv1.Event{ev("create", podsURI, code(201), reqObj(t, restrictedOnly), respObj(privileged))},
			want: []string{`audit/privileged-pod: pod created that breaks Baseline (pss/hostNamespaces: host namespaces (hostNetwork=true); ` +
				`pss/hostPathVolumes: hostPath volumes (volume "host"); pss/privileged: privileged (container "c" must not set securityContext.privileged=true)): ` +
				`user "alice" from 10.1.2.3 create pods shop/root (201) at ` + ts}},
		{name: "a pod failing only Restricted, a refused pod, a dry run, an error response",
			events: []*auditv1.Event{
				ev("create", podsURI, code(201), reqObj(t, restrictedOnly)),
				ev("create", podsURI, code(403), reqObj(t, privileged)),
				ev("create", podsURI+"?dryRun=All", code(201), reqObj(t, privileged)),
				ev("create", podsURI, code(201), respObj(`{"kind":"Status","code":201}`)),
			}},
		{name: "Pod Security Admission's audit annotation",
			events: []*auditv1.Event{ev("create", "/apis/apps/v1/namespaces/shop/deployments", code(201), named("web"),
				annotation(psaAuditAnnotation, `would violate PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true)`))},
			want: []string{`audit/pod-security-violation: Pod Security audit violation: would violate PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true): ` +
				`user "alice" from 10.1.2.3 create deployments shop/web (201) at ` + ts}},
	})
}
