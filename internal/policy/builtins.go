package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/types"
	"go.yaml.in/yaml/v3"
)

// TestBuiltin is one of Conftest's parse_config* built-ins, which policy
// tests use to read fixtures: its declaration for the compiler and its
// implementation for an evaluation.
type TestBuiltin struct {
	Decl *ast.Builtin
	Func func(*rego.Rego)
}

// TestBuiltins are parse_config(parser, text), parse_config_file(path)
// and parse_combined_config_files(paths), as Conftest defines them: paths
// are relative to the folder of the policy file that calls them; parsers
// are yaml (yml) and json.
func TestBuiltins() []TestBuiltin {
	obj := types.NewObject(nil, types.NewDynamicProperty(types.S, types.A))
	parseConfig := &rego.Function{Name: "parse_config", Decl: types.NewFunction(types.Args(types.S, types.S), types.A)}
	parseFile := &rego.Function{Name: "parse_config_file", Decl: types.NewFunction(types.Args(types.S), types.A)}
	parseCombined := &rego.Function{Name: "parse_combined_config_files", Decl: types.NewFunction(types.Args(types.NewArray(nil, types.S)), types.NewArray(nil, obj))}
	decl := func(f *rego.Function) *ast.Builtin { return &ast.Builtin{Name: f.Name, Decl: f.Decl} }
	return []TestBuiltin{
		{decl(parseConfig), rego.Function2(parseConfig, func(_ rego.BuiltinContext, a, b *ast.Term) (*ast.Term, error) {
			parser, ok1 := a.Value.(ast.String)
			text, ok2 := b.Value.(ast.String)
			if !ok1 || !ok2 {
				return nil, errors.New("want a parser name and a string")
			}
			v, err := parseConfigText(string(parser), []byte(text))
			if err != nil {
				return nil, err
			}
			return toTerm(v)
		})},
		{decl(parseFile), rego.Function1(parseFile, func(bctx rego.BuiltinContext, a *ast.Term) (*ast.Term, error) {
			p, ok := a.Value.(ast.String)
			if !ok {
				return nil, errors.New("want a path")
			}
			v, err := parseConfigFile(relativeTo(bctx, string(p)))
			if err != nil {
				return nil, err
			}
			return toTerm(v)
		})},
		{decl(parseCombined), rego.Function1(parseCombined, func(bctx rego.BuiltinContext, a *ast.Term) (*ast.Term, error) {
			arr, ok := a.Value.(*ast.Array)
			if !ok {
				return nil, errors.New("want an array of paths")
			}
			var out []any
			for i := range arr.Len() {
				p, ok := arr.Elem(i).Value.(ast.String)
				if !ok {
					return nil, errors.New("want an array of paths")
				}
				path := relativeTo(bctx, string(p))
				v, err := parseConfigFile(path)
				if err != nil {
					return nil, err
				}
				out = append(out, map[string]any{"path": path, "contents": v})
			}
			return toTerm(out)
		})},
	}
}

func parseConfigBuiltins() ([]*ast.Builtin, []func(*rego.Rego)) {
	var (
		decls []*ast.Builtin
		funcs []func(*rego.Rego)
	)
	for _, b := range TestBuiltins() {
		decls = append(decls, b.Decl)
		funcs = append(funcs, b.Func)
	}
	return decls, funcs
}

// NewTestCompiler is a compiler for OPA's tester: palisade's capabilities
// with the parse_config* built-ins and print().
func NewTestCompiler() *ast.Compiler {
	decls, _ := parseConfigBuiltins()
	return newCompiler(decls, true)
}

func relativeTo(bctx rego.BuiltinContext, p string) string {
	if filepath.IsAbs(p) || bctx.Location == nil || bctx.Location.File == "" {
		return p
	}
	return filepath.Join(filepath.Dir(bctx.Location.File), p)
}

func parseConfigFile(path string) (any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	parser := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	return parseConfigText(parser, b)
}

// parseConfigText parses YAML (a multi-document stream gives a list) or
// JSON.
func parseConfigText(parser string, b []byte) (any, error) {
	switch parser {
	case "yaml", "yml":
		dec := yaml.NewDecoder(bytes.NewReader(b))
		var docs []any
		for {
			var v any
			err := dec.Decode(&v)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, err
			}
			docs = append(docs, v)
		}
		switch len(docs) {
		case 0:
			return nil, nil
		case 1:
			return docs[0], nil
		}
		return docs, nil
	case "json":
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var v any
		err := dec.Decode(&v)
		return v, err
	}
	return nil, fmt.Errorf("unsupported parser %q (want yaml or json)", parser)
}

func toTerm(v any) (*ast.Term, error) {
	val, err := ast.InterfaceToValue(v)
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(val), nil
}
