package webhook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
)

// operatorsOnly is a Gatekeeper policy in the style of the Gatekeeper
// library's: it reads the request (operation, userInfo, oldObject), which
// only admission has.
const operatorsOnly = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8soperatorsonly}
spec:
  crd: {spec: {names: {kind: K8sOperatorsOnly}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8soperatorsonly

      is_update(review) { review.operation == "UPDATE" }

      violation[{"msg": msg}] {
        not is_update(input.review)
        user := object.get(input.review.userInfo, "username", "")
        not startswith(user, "ops-")
        msg := sprintf("%v %v by %q in %v (uid %v)", [input.review.operation, input.review.object.metadata.name, user, input.review.namespace, input.review.uid])
      }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sOperatorsOnly
metadata: {name: ops}
spec:
  match: {kinds: [{kinds: [Pod]}]}
`

// TestGatekeeperSeesTheRequest: at admission a Gatekeeper constraint's
// input.review is the AdmissionRequest, as in Gatekeeper: its operation
// and userInfo decide here, where a scan sees neither.
func TestGatekeeperSeesTheRequest(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ops.yaml"), []byte(operatorsOnly), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, setup{policies: []string{dir}, checks: []string{"policy/*"}})
	pod := in(restrictedPod, "open")
	byUser := func(op admissionv1.Operation, user, old string) *admissionv1.AdmissionRequest {
		req := request(t, op, pod, old)
		req.UserInfo.Username = user
		return req
	}
	resp := srv.Review(t.Context(), byUser(admissionv1.Create, "alice", ""))
	if resp.Allowed || !strings.Contains(resp.Result.Message, `[policy/k8soperatorsonly.ops] CREATE`) || !strings.Contains(resp.Result.Message, `by "alice" in open (uid `) {
		t.Errorf("alice's create: %+v", resp.Result)
	}
	if resp := srv.Review(t.Context(), byUser(admissionv1.Create, "ops-bob", "")); !resp.Allowed {
		t.Errorf("an operator's create: %+v", resp.Result)
	}
	if resp := srv.Review(t.Context(), byUser(admissionv1.Update, "alice", pod)); !resp.Allowed || len(resp.Warnings) != 0 {
		t.Errorf("an update, which the policy leaves alone: %+v %q", resp.Result, resp.Warnings)
	}
}
