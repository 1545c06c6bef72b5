package policy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/palisade-dev/palisade/internal/finding"
)

// Rego versions accepted by Options.RegoVersion.
const (
	// RegoAuto parses each file as Rego v1 and, only when that fails and
	// v0 succeeds, as v0: OPA can tell a v0 file by its syntax.
	RegoAuto = ""
	RegoV1   = "v1"
	RegoV0   = "v0"
)

// unsafeBuiltins reach the network: a policy that calls one does not
// compile, so no scan, test or admission review ever waits on a remote
// host or leaks what it reviews.
var unsafeBuiltins = map[string]struct{}{
	"http.send":          {},
	"net.lookup_ip_addr": {},
}

// parseRego parses one module. lineOffset rebases rows for Rego embedded
// in a YAML file, so errors and locations name the YAML line.
func parseRego(file, src, version string, lineOffset int) (*ast.Module, error) {
	text := strings.Repeat("\n", lineOffset) + src
	parse := func(v ast.RegoVersion) (*ast.Module, error) {
		return ast.ParseModuleWithOpts(file, text, ast.ParserOptions{ProcessAnnotation: true, RegoVersion: v})
	}
	switch version {
	case RegoV0:
		return parse(ast.RegoV0)
	case RegoV1:
		return parse(ast.RegoV1)
	case RegoAuto:
		m, err := parse(ast.RegoV1)
		if err == nil {
			return m, nil
		}
		if m0, err0 := parse(ast.RegoV0); err0 == nil {
			return m0, nil
		}
		return nil, err
	}
	return nil, fmt.Errorf("unknown Rego version %q (want v0 or v1)", version)
}

// newCompiler returns a compiler with palisade's capabilities: OPA's
// built-ins without the network ones, plus extra (the parse_config*
// built-ins in policy tests).
func newCompiler(extra []*ast.Builtin, print bool) *ast.Compiler {
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = append(caps.Builtins, extra...)
	return ast.NewCompiler().
		WithCapabilities(caps).
		WithUnsafeBuiltins(unsafeBuiltins).
		WithEnablePrintStatements(print).
		WithDefaultRegoVersion(ast.RegoV1)
}

// regoErrors turns OPA's parse and compile errors into file:line errors.
func regoErrors(err error) []finding.Error {
	var errs ast.Errors
	if !errors.As(err, &errs) {
		return []finding.Error{{Message: err.Error()}}
	}
	out := make([]finding.Error, 0, len(errs))
	for _, e := range errs {
		fe := finding.Error{Message: e.Message}
		if e.Code != "" {
			fe.Message = e.Code + ": " + e.Message
		}
		if e.Location != nil {
			fe.File, fe.Line = e.Location.File, e.Location.Row
		}
		if strings.Contains(e.Message, "unsafe built-in function") {
			fe.Message += " (network built-ins are disabled: policies run offline, at scan and at admission)"
		}
		if strings.Contains(e.Message, "undefined function external_data") {
			fe.Message += " (Gatekeeper external data reaches the network and is not supported)"
		}
		out = append(out, fe)
	}
	return out
}

// ruleName is the name of a rule whose head is a plain name ("deny",
// "violation_host_pid"), or "" for ref heads such as a.b.c.
func ruleName(r *ast.Rule) string {
	ref := r.Head.Ref()
	if len(ref) != 1 {
		return ""
	}
	v, ok := ref[0].Value.(ast.Var)
	if !ok {
		return ""
	}
	return string(v)
}

// packageName is a module's package without the data. prefix.
func packageName(m *ast.Module) string {
	return strings.TrimPrefix(m.Package.Path.String(), "data.")
}
