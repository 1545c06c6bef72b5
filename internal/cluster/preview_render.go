package cluster

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"k8s.io/pod-security-admission/api"
)

// WritePreviewJSON writes the preview as SPEC.md's JSON document.
func WritePreviewJSON(w io.Writer, p *Preview) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}

// ownerGroup is the rejected pods of one owner.
type ownerGroup struct {
	owner string
	pods  []Verdict
}

func groupByOwner(vs []Verdict) []ownerGroup {
	idx := map[string]int{}
	var gs []ownerGroup
	for _, v := range vs {
		key := v.Owner
		if key == "" {
			key = v.Kind + "/" + v.Name
		}
		i, ok := idx[key]
		if !ok {
			i = len(gs)
			idx[key] = i
			gs = append(gs, ownerGroup{owner: key})
		}
		gs[i].pods = append(gs[i].pods, v)
	}
	slices.SortFunc(gs, func(a, b ownerGroup) int { return cmp.Compare(a.owner, b.owner) })
	for i := range gs {
		slices.SortFunc(gs[i].pods, func(a, b Verdict) int { return cmp.Compare(a.Name, b.Name) })
	}
	return gs
}

// findingLines are the distinct "check  path: message" lines of vs.
func findingLines(vs []Verdict) []string {
	var lines []string
	for _, v := range vs {
		for _, f := range v.Findings {
			l := f.Check + "  "
			if f.Path != "" {
				l += f.Path + ": "
			}
			l += f.Message
			if f.Suppressed {
				l += " (excepted)"
			}
			if !slices.Contains(lines, l) {
				lines = append(lines, l)
			}
		}
	}
	slices.Sort(lines)
	return lines
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// WritePreviewText writes the preview for people: per namespace, the pods
// that would be rejected grouped by owner with their failing checks and
// fields, then the controllers that would be warned.
func WritePreviewText(w io.Writer, p *Preview) error {
	b := bufio.NewWriter(w)
	target := p.Level + ":" + p.Version
	fmt.Fprintf(b, "Pod Security preview: enforce %s\n", target)
	for _, e := range p.Errors {
		fmt.Fprintf(b, "error: %s\n", e.Message)
	}
	breaking, pods, ready, exempt := 0, 0, 0, 0
	for i := range p.Namespaces {
		n := &p.Namespaces[i]
		fmt.Fprintf(b, "\n%s (now enforce %s): ", n.Namespace, n.Current["enforce"])
		switch {
		case n.Exempt:
			exempt++
			b.WriteString("exempt from Pod Security\n")
			continue
		case n.Breaks():
			breaking++
			b.WriteString("WOULD BREAK: ")
		case len(n.WouldReject) > 0:
			b.WriteString("only excepted pods would be rejected: ")
		default:
			ready++
			b.WriteString("ok: ")
		}
		pods += len(n.WouldReject)
		fmt.Fprintf(b, "%s rejected, %s warned\n",
			plural(len(n.WouldReject), "pod", "pods"), plural(len(n.WouldWarn), "workload", "workloads"))
		if len(n.WouldReject) > 0 {
			b.WriteString("  would reject:\n")
			for _, g := range groupByOwner(n.WouldReject) {
				names := make([]string, len(g.pods))
				for i, v := range g.pods {
					names[i] = v.Name
					if v.Excepted {
						names[i] += " (excepted)"
					}
				}
				if v := g.pods[0]; len(g.pods) == 1 && v.Owner == "" {
					fmt.Fprintf(b, "    %s/%s\n", v.Kind, names[0]) // a pod of its own
				} else {
					fmt.Fprintf(b, "    %s: %s (%s)\n", g.owner, plural(len(g.pods), "pod", "pods"), strings.Join(names, ", "))
				}
				for _, l := range findingLines(g.pods) {
					fmt.Fprintf(b, "      %s\n", l)
				}
			}
		}
		if len(n.WouldWarn) > 0 {
			b.WriteString("  would warn:\n")
			for _, v := range n.WouldWarn {
				fmt.Fprintf(b, "    %s/%s\n", v.Kind, v.Name)
				for _, l := range findingLines([]Verdict{v}) {
					fmt.Fprintf(b, "      %s\n", l)
				}
			}
		}
		if len(n.ExemptPods) > 0 {
			fmt.Fprintf(b, "  exempt runtime class: %s\n", strings.Join(n.ExemptPods, ", "))
		}
	}
	fmt.Fprintf(b, "\n%s: %d would break (%s), %d could enforce %s now, %d exempt\n",
		plural(len(p.Namespaces), "namespace", "namespaces"), breaking, plural(pods, "pod", "pods"), ready, target, exempt)
	return b.Flush()
}

// WriteLabelCommands writes, for each namespace that would not break, the
// kubectl command that raises its enforce label to the previewed level,
// and a comment for each namespace left alone and why. It never lowers a
// namespace: one already enforcing the level or a stricter one is left.
// A namespace with any rejected pod is left, excepted pods included: the
// label is read by the built-in admission, which knows no exceptions.
func WriteLabelCommands(w io.Writer, p *Preview) error {
	b := bufio.NewWriter(w)
	target := api.LevelVersion{Level: api.Level(p.Level)}
	var err error
	if target.Version, err = api.ParseVersion(p.Version); err != nil {
		return err
	}
	fmt.Fprintf(b, "# palisade cluster preview --level %s --version %s\n", p.Level, p.Version)
	for i := range p.Namespaces {
		n := &p.Namespaces[i]
		cur := n.enforce
		switch {
		case n.Exempt:
			fmt.Fprintf(b, "# %s: exempt from Pod Security; left alone\n", n.Namespace)
		case len(n.WouldReject) > 0:
			fmt.Fprintf(b, "# %s: %s would be rejected; left alone\n", n.Namespace, plural(len(n.WouldReject), "pod", "pods"))
		case cur == target:
			fmt.Fprintf(b, "# %s: already enforces %s\n", n.Namespace, target)
		case api.CompareLevels(cur.Level, target.Level) > 0:
			fmt.Fprintf(b, "# %s: enforces %s, stricter than %s; left alone\n", n.Namespace, cur, target)
		default:
			fmt.Fprintf(b, "kubectl label --overwrite namespace %s %s=%s %s=%s\n", n.Namespace,
				api.EnforceLevelLabel, p.Level, api.EnforceVersionLabel, p.Version)
		}
	}
	return b.Flush()
}
