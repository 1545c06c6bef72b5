package checks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

// bpDefaultSecretEnvPatterns are the credential-looking env var names,
// matched upper-cased; checks.secretEnvPatterns replaces them.
var bpDefaultSecretEnvPatterns = []string{
	"*PASSWORD*", "*PASSWD*", "*TOKEN*", "*SECRET*", "*API_KEY*", "*APIKEY*",
	"*PRIVATE_KEY*", "*ACCESS_KEY*",
}

// bpSecretEnvReferenceSuffixes mark names that, under the default patterns,
// name where a credential is rather than hold it (PASSWORD_FILE is the
// Docker convention for a file holding the password).
var bpSecretEnvReferenceSuffixes = []string{"_FILE", "_PATH", "_DIR", "_NAME"}

// bpEnvRefRE is a value made only of $(VAR) references, which the kubelet
// expands from other variables: the credential is not in the manifest.
var bpEnvRefRE = regexp.MustCompile(`^(\$\([A-Za-z_][A-Za-z0-9_.-]*\))+$`)

var bpSecretInEnv = Check{
	ID:       "bp/secret-in-env",
	Title:    "Credential as a literal env value",
	Severity: finding.SeverityHigh,
	Rationale: "A credential written as a literal env value is stored in the manifest, its Git history and the " +
		"object in etcd, and is readable by anyone who can read the workload; it belongs in a Secret referenced " +
		"with valueFrom.secretKeyRef, better mounted as a file (Kubernetes docs: Secrets, and Good practices for " +
		"Kubernetes Secrets; CIS Kubernetes Benchmark 5.4.1, \"Prefer using secrets as files over secrets as " +
		"environment variables\"). A non-empty literal value is reported when the variable's name, upper-cased, " +
		"matches checks.secretEnvPatterns (globs; default *PASSWORD*, *PASSWD*, *TOKEN*, *SECRET*, *API_KEY*, " +
		"*APIKEY*, *PRIVATE_KEY*, *ACCESS_KEY*), except, with the default patterns, names ending in _FILE, _PATH, " +
		"_DIR or _NAME, which point to a credential rather than hold it; a value made only of $(VAR) references " +
		"is never reported. The value is never printed.",
	Remediation: "env:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db\n      key: password\n",
	Workloads:   true,
	Run: func(ctx *Context, o *Object) []Violation {
		patterns, custom := bpDefaultSecretEnvPatterns, false
		if len(ctx.Params.SecretEnvPatterns) > 0 {
			custom = true
			patterns = make([]string, len(ctx.Params.SecretEnvPatterns))
			for i, p := range ctx.Params.SecretEnvPatterns {
				patterns[i] = strings.ToUpper(p)
			}
		}
		var out []Violation
		for _, c := range Containers(o.Workload) {
			for i, e := range c.Env {
				name := strings.ToUpper(e.Name)
				if e.Value == "" || bpEnvRefRE.MatchString(e.Value) || !Glob(patterns, name) {
					continue
				}
				if !custom && bpHasAnySuffix(name, bpSecretEnvReferenceSuffixes) {
					continue
				}
				out = append(out, bpContainerViolation(c, fmt.Sprintf(".env[%d].value", i),
					"sets env %s to a literal value that looks like a credential; read it from a Secret", e.Name))
			}
		}
		return out
	},
}

func bpHasAnySuffix(s string, suffixes []string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}
