package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/palisade-dev/palisade/internal/cluster"
	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/testenv"
)

const clusterObjects = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: quiet}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop}
spec:
  containers: [{name: app, image: app:1, securityContext: {runAsUser: 0, privileged: true}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: app:1}]}
---
apiVersion: v1
kind: Service
metadata: {name: public, namespace: shop}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: ok, namespace: quiet}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: app
    image: app:1
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: quiet}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
`

// writeKubeconfig writes a kubeconfig for cfg with context name ctx.
func writeKubeconfig(t *testing.T, cfg *rest.Config, ctx string) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["test"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos[ctx] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts[ctx] = &clientcmdapi.Context{Cluster: "test", AuthInfo: ctx}
	kc.CurrentContext = ctx
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func apply(t *testing.T, cfg *rest.Config, yaml string) {
	t.Helper()
	objs, errs := manifest.Decode("objects.yaml", []byte(yaml))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	quiet := rest.CopyConfig(cfg)
	quiet.WarningHandler = rest.NoWarnings{}
	dyn := dynamic.NewForConfigOrDie(quiet)
	for _, o := range objs {
		for _, k := range cluster.Kinds {
			if k.Kind != o.Kind || k.APIVersion() != o.APIVersion {
				continue
			}
			var ri dynamic.ResourceInterface = dyn.Resource(k.Resource)
			if k.Namespaced {
				ri = dyn.Resource(k.Resource).Namespace(o.Namespace)
			}
			if _, err := ri.Create(context.Background(), &unstructured.Unstructured{Object: o.Content}, metav1.CreateOptions{}); err != nil {
				t.Fatalf("creating %s/%s: %v", o.Kind, o.Name, err)
			}
		}
	}
}

func run(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = Main(context.Background(), args, nil, &o, &e)
	return code, o.String(), e.String()
}

func TestClusterCommands(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	apply(t, env.Config, clusterObjects)
	// Labelled once its pods exist, as a namespace tightened too early.
	if _, err := kubernetes.NewForConfigOrDie(env.Config).CoreV1().Namespaces().Patch(context.Background(), "shop", types.MergePatchType,
		[]byte(`{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"baseline"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	kc := writeKubeconfig(t, env.Config, "envtest")

	t.Run("scan json", func(t *testing.T) {
		code, out, errOut := run("cluster", "scan", "--kubeconfig", kc, "-o", "json")
		if code != ExitFindings || errOut != "" {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		var doc struct {
			SchemaVersion string
			Findings      []struct {
				Check, File string
				Resource    struct{ Kind, Namespace, Name string }
			}
			Errors  []any
			Summary struct{ Resources int }
			Posture []cluster.Posture
			RBAC    *int `json:"clusterRBACFindings"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		seen := map[string]bool{}
		for _, f := range doc.Findings {
			seen[f.Check+" "+f.File+" "+f.Resource.Kind+"/"+f.Resource.Name] = true
		}
		for _, w := range []string{"pss/privileged cluster:envtest/shop Pod/debug"} {
			if !seen[w] {
				t.Errorf("no finding %q", w)
			}
		}
		byNS := map[string]cluster.Posture{}
		for _, p := range doc.Posture {
			byNS[p.Namespace] = p
		}
		shop, quiet := byNS["shop"], byNS["quiet"]
		if shop.PodSecurity["enforce"] != "baseline:latest" || shop.Workloads != 2 || shop.Violating["restricted"] != 2 ||
			shop.Violating["baseline"] != 1 || len(shop.OpenLoadBalancers) != 1 || shop.DefaultDenyIngress {
			t.Errorf("shop posture %+v", shop)
		}
		if !quiet.DefaultDenyIngress || !quiet.DefaultDenyEgress || !quiet.MetadataEndpointBlocked || quiet.Violating["restricted"] != 0 {
			t.Errorf("quiet posture %+v", quiet)
		}
		if doc.SchemaVersion != "1" || doc.Errors == nil || doc.RBAC == nil || doc.Summary.Resources == 0 {
			t.Errorf("report keys: %+v", doc)
		}
	})

	t.Run("scan text", func(t *testing.T) {
		code, out, _ := run("cluster", "scan", "--kubeconfig", kc, "-n", "quiet", "--fail-on", "none")
		if code != ExitOK {
			t.Fatalf("exit %d\n%s", code, out)
		}
		for _, w := range []string{"\nNamespace posture (cluster-scoped RBAC findings: 0)\nNAMESPACE  ENFORCE  AUDIT  WARN  WORKLOADS",
			"\nquiet      -        -      -     1          0              0                yes           yes          yes               0         "} {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
		if strings.Contains(out, "cluster:envtest/shop") || strings.Contains(out, "ClusterRole") {
			t.Errorf("-n quiet reports other namespaces or cluster-scoped objects:\n%s", out)
		}
	})

	t.Run("preview", func(t *testing.T) {
		code, out, _ := run("cluster", "preview", "--kubeconfig", kc, "--level", "restricted", "-n", "shop")
		want := `Pod Security preview: enforce restricted:latest

shop (now enforce baseline:latest): WOULD BREAK: 1 pod rejected, 1 workload warned
  would reject:
    Pod/debug
      pss/allowPrivilegeEscalation  spec.containers[0].securityContext.allowPrivilegeEscalation: allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)
      pss/capabilities_restricted  spec.containers[0].securityContext.capabilities.drop: unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"])
      pss/privileged  spec.containers[0].securityContext.privileged: privileged (container "app" must not set securityContext.privileged=true)
      pss/runAsNonRoot  spec.containers[0].securityContext.runAsNonRoot: runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)
      pss/runAsUser  spec.containers[0].securityContext.runAsUser: runAsUser=0 (container "app" must not set runAsUser=0)
      pss/seccompProfile_restricted  spec.containers[0].securityContext.seccompProfile.type: seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")
  would warn:
    Deployment/web
      pss/allowPrivilegeEscalation  spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)
      pss/capabilities_restricted  spec.template.spec.containers[0].securityContext.capabilities.drop: unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"])
      pss/runAsNonRoot  spec.template.spec.containers[0].securityContext.runAsNonRoot: runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)
      pss/seccompProfile_restricted  spec.template.spec.containers[0].securityContext.seccompProfile.type: seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")

1 namespace: 1 would break (1 pod), 0 could enforce restricted:latest now, 0 exempt
`
		if code != ExitFindings || out != want {
			t.Errorf("exit %d, output:\n%s\nwant:\n%s", code, out, want)
		}
		code, out, _ = run("cluster", "preview", "--kubeconfig", kc, "--level", "restricted", "--output-manifest")
		if code != ExitFindings || !strings.Contains(out, "\nkubectl label --overwrite namespace quiet pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/enforce-version=latest\n") ||
			!strings.Contains(out, "\n# shop: 1 pod would be rejected; left alone\n") {
			t.Errorf("exit %d, manifest:\n%s", code, out)
		}
		code, out, _ = run("cluster", "preview", "--kubeconfig", kc, "--level", "baseline", "-o", "json", "-n", "quiet")
		var p cluster.Preview
		if err := json.Unmarshal([]byte(out), &p); code != ExitOK || err != nil || len(p.Namespaces) != 1 || p.Level != "baseline" {
			t.Errorf("exit %d, %v:\n%s", code, err, out)
		}
	})

	t.Run("contexts", func(t *testing.T) {
		code, _, errOut := run("cluster", "scan", "--kubeconfig", kc, "--context", "nope")
		if code != ExitUsage || !strings.Contains(errOut, `context "nope" does not exist`) {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
		t.Setenv("KUBECONFIG", kc)
		code, out, _ := run("cluster", "scan", "--context", "envtest", "-n", "quiet", "-o", "github")
		if code != ExitOK || !strings.Contains(out, "0 findings") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})

	t.Run("missing permission", func(t *testing.T) {
		admin := kubernetes.NewForConfigOrDie(env.Config)
		ctx := context.Background()
		_, err := admin.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "pods-only"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"namespaces", "pods"}, Verbs: []string{"list"}}}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = admin.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "pods-only"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "pods-only"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "pods-only"}}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ukc := writeKubeconfig(t, env.AddUser(t, "pods-only"), "limited")
		var code int
		var out, errOut string
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			code, out, errOut = run("cluster", "preview", "--kubeconfig", ukc, "--level", "restricted", "-n", "shop")
			if !strings.Contains(errOut, "Pod (v1 pods)") || time.Now().After(deadline) {
				break // the authorizer has caught up, or never will
			}
		}
		wantErr := `palisade: warning: no permission to list Deployment (apps/v1 deployments) in namespace shop, so none were checked: User "pods-only" cannot list resource "deployments" in API group "apps" in the namespace "shop"`
		if code != ExitInput || !strings.Contains(errOut, wantErr+"\n") || !strings.Contains(out, "Pod/debug") {
			t.Errorf("exit %d, stderr:\n%s\nstdout:\n%s", code, errOut, out)
		}
	})
}
