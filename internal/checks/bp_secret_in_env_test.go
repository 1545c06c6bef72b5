package checks

import (
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/internal/config"
)

func TestBPSecretInEnv(t *testing.T) {
	const doc = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      initContainers:
      - name: migrate
        image: app:1
        env:
        - name: db_password
          value: hunter2
      containers:
      - name: app
        image: app:1
        env:
        - name: LOG_LEVEL
          value: debug
        - name: GITHUB_TOKEN
          value: ghp_abc
        - name: API_KEY
          valueFrom:
            secretKeyRef: {name: s, key: k}
        - name: EMPTY_SECRET
          value: ""
        - name: ADMIN_PASSWORD_FILE
          value: /run/secrets/admin
        - name: SECRET_NAME
          value: my-secret
        - name: DB_PASSWORD
          value: $(DB_PASSWORD_FROM_SECRET)
        - name: Stripe_ApiKey
          value: sk_live_x
`
	got := run(t, "bp/secret-in-env", config.CheckParams{}, doc)
	for _, f := range got {
		for _, v := range []string{"hunter2", "ghp_abc", "sk_live_x"} {
			if strings.Contains(f.Message, v) {
				t.Errorf("message prints the value: %s", f.Message)
			}
		}
	}
	bpTable(t, "bp/secret-in-env", []bpCase{{
		name: "default patterns",
		doc:  doc,
		want: []bpWant{
			{13, "spec.template.spec.initContainers[0].env[0].value", `init container "migrate" sets env db_password to a literal value that looks like a credential; read it from a Secret (spec.template.spec.initContainers[0].env[0].value)`},
			{21, "spec.template.spec.containers[0].env[1].value", `container "app" sets env GITHUB_TOKEN to a literal value that looks like a credential; read it from a Secret (spec.template.spec.containers[0].env[1].value)`},
			{34, "spec.template.spec.containers[0].env[7].value", `container "app" sets env Stripe_ApiKey to a literal value that looks like a credential; read it from a Secret (spec.template.spec.containers[0].env[7].value)`},
		},
	}, {
		name:   "custom patterns replace the defaults, reference suffixes included",
		params: config.CheckParams{SecretEnvPatterns: []string{"*_file", "log_*"}},
		doc:    doc,
		want: []bpWant{
			{19, "spec.template.spec.containers[0].env[0].value", `container "app" sets env LOG_LEVEL to a literal value that looks like a credential; read it from a Secret (spec.template.spec.containers[0].env[0].value)`},
			{28, "spec.template.spec.containers[0].env[4].value", `container "app" sets env ADMIN_PASSWORD_FILE to a literal value that looks like a credential; read it from a Secret (spec.template.spec.containers[0].env[4].value)`},
		},
	}})
}
