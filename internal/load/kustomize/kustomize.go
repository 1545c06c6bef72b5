// Package kustomize builds a Kustomize overlay offline, as `kustomize build`
// would, with the kustomize API (krusty), and names each resource by the
// source file it came from.
//
// Names come from kustomize's origin annotations (`buildMetadata:
// [originAnnotations]`). To get them without touching the user's files,
// the overlay's own kustomization file is served from memory with that
// build option added; every other file is read from disk, and the file
// system refuses writes. The annotation is then removed again, unless the
// user's kustomization asked for it, so what is scanned is what `kustomize
// build` prints.
package kustomize

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/palisade-dev/palisade/internal/finding"
)

// Rendered is the built output of the resources of one source file.
type Rendered struct {
	// Name is the source file joined to the overlay's path as given and
	// cleaned (`overlays/prod` + `../../base/deployment.yaml` →
	// `base/deployment.yaml`); for a generated resource, the kustomization
	// file that configured it; else the overlay folder.
	Name string
	Data []byte
}

// KustomizationFile returns the kustomization file of dir, or "" when dir
// is not a kustomization root.
func KustomizationFile(dir string) string {
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		if info, err := os.Stat(filepath.Join(dir, n)); err == nil && info.Mode().IsRegular() {
			return n
		}
	}
	return ""
}

// IsComponent reports whether the kustomization of dir is a Component,
// which is built only as part of an overlay that lists it.
func IsComponent(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, KustomizationFile(dir)))
	if err != nil {
		return false
	}
	var k struct {
		Kind string `yaml:"kind"`
	}
	return yaml.Unmarshal(data, &k) == nil && k.Kind == types.ComponentKind
}

// Build builds the overlay at dir (as named by the user) into one Rendered
// per source file, in order of first appearance in the build output. A
// failure, or a remote base (refused: palisade builds offline), is one
// error.
func Build(dir string) ([]Rendered, *finding.Error) {
	kfile := KustomizationFile(dir)
	if kfile == "" {
		return nil, &finding.Error{File: dir, Message: "kustomize: no kustomization file"}
	}
	if e := refuseRemote(dir, map[string]bool{}); e != nil {
		return nil, e
	}
	disk := filesys.MakeFsOnDisk()
	root, _, err := disk.CleanedAbs(dir)
	if err != nil {
		return nil, &finding.Error{File: dir, Message: "kustomize: " + err.Error()}
	}
	kpath := root.Join(kfile)
	orig, err := os.ReadFile(kpath)
	if err != nil {
		return nil, &finding.Error{File: filepath.Join(dir, kfile), Message: "kustomize: " + err.Error()}
	}
	withOrigins, injected := addOriginAnnotations(orig)
	fs := readOnlyFS{FileSystem: disk, path: kpath, data: withOrigins}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, string(root))
	if err != nil {
		return nil, buildError(dir, kfile, string(root), err)
	}
	var (
		out   []Rendered
		index = map[string]int{}
	)
	for _, r := range m.Resources() {
		name := sourceName(dir, r)
		if injected {
			if err := r.SetOrigin(nil); err != nil {
				return nil, &finding.Error{File: dir, Message: "kustomize: " + err.Error()}
			}
		}
		data, err := r.AsYAML()
		if err != nil {
			return nil, &finding.Error{File: name, Message: "kustomize: " + err.Error()}
		}
		i, ok := index[name]
		if !ok {
			i = len(out)
			index[name] = i
			out = append(out, Rendered{Name: name})
		} else {
			out[i].Data = append(out[i].Data, "---\n"...)
		}
		out[i].Data = append(out[i].Data, data...)
	}
	return out, nil
}

// sourceName names a built resource by its origin.
func sourceName(dir string, r *resource.Resource) string {
	o, err := r.GetOrigin()
	if err != nil || o == nil || o.Repo != "" {
		return dir
	}
	switch {
	case o.Path != "":
		return filepath.Join(dir, filepath.FromSlash(o.Path))
	case o.ConfiguredIn != "":
		return filepath.Join(dir, filepath.FromSlash(o.ConfiguredIn))
	}
	return dir
}

// addOriginAnnotations adds originAnnotations to the buildMetadata of a
// kustomization file, and reports whether it was not there already. A file
// it cannot read as a YAML mapping is returned as it is, for kustomize to
// report.
func addOriginAnnotations(data []byte) ([]byte, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return data, false
	}
	top := doc.Content[0]
	scalar := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }
	var meta *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == "buildMetadata" {
			meta = top.Content[i+1]
		}
	}
	switch {
	case meta == nil:
		top.Content = append(top.Content, scalar("buildMetadata"),
			&yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{scalar(types.OriginAnnotations)}})
	case meta.Kind != yaml.SequenceNode:
		return data, false
	default:
		for _, n := range meta.Content {
			if n.Value == types.OriginAnnotations {
				return data, false
			}
		}
		meta.Content = append(meta.Content, scalar(types.OriginAnnotations))
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return data, false
	}
	return out, true
}

// readOnlyFS is the disk, except one file served from memory; it refuses
// every write.
type readOnlyFS struct {
	filesys.FileSystem
	path string
	data []byte
}

var errReadOnly = errors.New("palisade reads overlays and never writes")

func (f readOnlyFS) ReadFile(p string) ([]byte, error) {
	if filepath.Clean(p) == f.path {
		return f.data, nil
	}
	return f.FileSystem.ReadFile(p)
}

func (f readOnlyFS) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (f readOnlyFS) Mkdir(string) error                  { return errReadOnly }
func (f readOnlyFS) MkdirAll(string) error               { return errReadOnly }
func (f readOnlyFS) RemoveAll(string) error              { return errReadOnly }
func (f readOnlyFS) WriteFile(string, []byte) error      { return errReadOnly }

var (
	yamlLineRE = regexp.MustCompile(`yaml: line (\d+)`)
	inFile     = regexp.MustCompile(`in File: (\S+)`)
	recursed   = regexp.MustCompile(`recursed accumulation of path '([^']+)'`)
)

// buildError turns a krusty error into one error on the kustomization
// file (or on the resource file whose YAML is broken, with its line), with
// the absolute paths kustomize prints shown as the user named them.
func buildError(dir, kfile, root string, err error) *finding.Error {
	sep := string(filepath.Separator)
	msg := strings.NewReplacer(root+sep, dir+sep, root+"'", dir+"'").Replace(err.Error())
	if wd, werr := os.Getwd(); werr == nil && !filepath.IsAbs(dir) {
		if real, rerr := filepath.EvalSymlinks(wd); rerr == nil {
			msg = strings.ReplaceAll(msg, real+sep, "")
		}
		msg = strings.ReplaceAll(msg, wd+sep, "")
	}
	e := &finding.Error{File: filepath.Join(dir, kfile), Message: "kustomize build: " + strings.Join(strings.Fields(msg), " ")}
	line, file := yamlLineRE.FindStringSubmatch(msg), inFile.FindStringSubmatch(msg)
	if line != nil && file != nil {
		base := dir
		if all := recursed.FindAllStringSubmatch(msg, -1); all != nil {
			base = all[len(all)-1][1]
		}
		e.File = filepath.Join(base, file[1])
		e.Line, _ = strconv.Atoi(line[1])
	}
	return e
}

// remote tells a remote base, component or resource (a URL, a git
// address or a host/path) from a local path.
func remote(entry string) bool {
	if strings.Contains(entry, "://") || strings.HasPrefix(entry, "git@") || strings.HasPrefix(entry, "git::") {
		return true
	}
	first, _, found := strings.Cut(entry, "/")
	return found && strings.Contains(first, ".") && first != "." && first != ".."
}

// refuseRemote walks the kustomizations reachable from dir through
// resources, bases and components and refuses the first remote entry, with
// its file and line: kustomize would clone or download it, and palisade
// never reaches the network at scan time.
func refuseRemote(dir string, seen map[string]bool) *finding.Error {
	abs, err := filepath.Abs(dir)
	if err != nil || seen[abs] {
		return nil
	}
	seen[abs] = true
	kfile := KustomizationFile(dir)
	data, err := os.ReadFile(filepath.Join(dir, kfile))
	if err != nil {
		return nil // kustomize reports it
	}
	var k map[string]yaml.Node
	if yaml.Unmarshal(data, &k) != nil {
		return nil
	}
	for _, field := range []string{"resources", "bases", "components"} {
		list := k[field]
		if list.Kind != yaml.SequenceNode {
			continue
		}
		for _, n := range list.Content {
			entry := n.Value
			local := filepath.Join(dir, filepath.FromSlash(entry))
			if _, err := os.Stat(local); err == nil {
				if KustomizationFile(local) != "" {
					if e := refuseRemote(local, seen); e != nil {
						return e
					}
				}
				continue
			}
			if remote(entry) {
				return &finding.Error{File: filepath.Join(dir, kfile), Line: n.Line, Message: fmt.Sprintf(
					"kustomize: remote %s %q refused: palisade builds overlays offline; vendor it into the repository and refer to it by path", strings.TrimSuffix(field, "s"), entry)}
			}
		}
	}
	return nil
}
