// Package exception is the one exceptions format, matched the same way by
// every stage: an ExceptionList file and the palisade.dev/exempt annotation.
package exception

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/palisade-dev/palisade/internal/finding"
)

// Annotations on an object that except it from checks.
const (
	AnnotationExempt = "palisade.dev/exempt"
	AnnotationReason = "palisade.dev/exempt-reason"
)

// CheckID is the finding reported for an exception that has expired.
const CheckID = "exception/expired"

// Rule returns the metadata of the expired-exception finding.
func Rule() finding.Rule {
	return finding.Rule{
		ID:          CheckID,
		Standard:    finding.StandardBestPractice,
		Severity:    finding.SeverityMedium,
		Title:       "An exception has expired",
		Rationale:   "Exceptions are meant to be temporary: once past its expiry date an exception no longer applies, and the findings it hid are reported again.",
		Remediation: "exceptions:\n- checks: [\"pss/hostPathVolumes\"]\n  resources: [{kind: DaemonSet, namespace: monitoring, name: node-exporter}]\n  reason: node metrics need /proc and /sys\n  expires: 2027-12-31  # renew, or fix and delete the exception\n",
	}
}

// Selector picks resources (and, for audit events, users) with globs.
type Selector struct {
	Kind      string `yaml:"kind"`
	Namespace string `yaml:"namespace"`
	Name      string `yaml:"name"`
	User      string `yaml:"user"`
}

// Entry is one exception.
type Entry struct {
	Checks    []string   `yaml:"checks"`
	Resources []Selector `yaml:"resources"`
	Reason    string     `yaml:"reason"`
	Expires   string     `yaml:"expires"`

	expires time.Time // zero: never
	// Source is "file:line" of the entry, for messages.
	Source string `yaml:"-"`
}

// List is an ExceptionList.
type List struct {
	APIVersion string  `yaml:"apiVersion"`
	Kind       string  `yaml:"kind"`
	Exceptions []Entry `yaml:"exceptions"`
}

// Load reads an ExceptionList file strictly.
func Load(file string) (*List, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("exceptions: %w", err)
	}
	return Parse(file, data)
}

var lineRE = regexp.MustCompile(`line (\d+): `)

// Parse reads an ExceptionList from data; name is used in errors.
func Parse(name string, data []byte) (*List, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	l := &List{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(l); err != nil && !errors.Is(err, io.EOF) {
		msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "yaml: "), "unmarshal errors:\n")
		msg = strings.TrimSpace(msg)
		if m := lineRE.FindStringSubmatch(msg); m != nil {
			return nil, fmt.Errorf("%s:%s: %s", name, m[1], strings.Replace(msg, m[0], "", 1))
		}
		return nil, fmt.Errorf("%s: %s", name, msg)
	}
	if l.Kind != "" && (l.Kind != "ExceptionList" || l.APIVersion != "palisade.dev/v1") {
		return nil, fmt.Errorf("%s: want apiVersion palisade.dev/v1, kind ExceptionList; got %s %s", name, l.APIVersion, l.Kind)
	}
	lines := entryLines(&root)
	for i := range l.Exceptions {
		where := name
		if i < len(lines) {
			where = fmt.Sprintf("%s:%d", name, lines[i])
		}
		if err := l.Exceptions[i].validate(where); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// FromEntries validates entries given inline (the exceptions: key of
// .palisade.yaml) and returns them as a list.
func FromEntries(name string, entries []Entry) (*List, error) {
	l := &List{Exceptions: entries}
	for i := range l.Exceptions {
		if err := l.Exceptions[i].validate(fmt.Sprintf("%s: exceptions[%d]", name, i)); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Merge returns a list holding the entries of both.
func Merge(a, b *List) *List {
	out := &List{}
	for _, l := range []*List{a, b} {
		if l != nil {
			out.Exceptions = append(out.Exceptions, l.Exceptions...)
		}
	}
	return out
}

// entryLines finds the line of each item of the top-level exceptions list.
func entryLines(root *yaml.Node) []int {
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "exceptions" {
			var out []int
			for _, it := range m.Content[i+1].Content {
				out = append(out, it.Line)
			}
			return out
		}
	}
	return nil
}

func (e *Entry) validate(where string) error {
	e.Source = where
	if strings.TrimSpace(e.Reason) == "" {
		return fmt.Errorf("%s: exception has no reason: every exception must say why", where)
	}
	if len(e.Checks) == 0 {
		return fmt.Errorf("%s: exception lists no checks", where)
	}
	for _, g := range e.Checks {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("%s: bad check pattern %q", where, g)
		}
	}
	for _, s := range e.Resources {
		for _, g := range []string{s.Kind, s.Namespace, s.Name, s.User} {
			if _, err := path.Match(g, ""); err != nil {
				return fmt.Errorf("%s: bad resource pattern %q", where, g)
			}
		}
	}
	if e.Expires != "" {
		t, err := time.Parse(time.DateOnly, e.Expires)
		if err != nil {
			return fmt.Errorf("%s: expires %q: want a date like 2027-03-31", where, e.Expires)
		}
		// An exception is valid through the whole of its expiry day.
		e.expires = t.Add(24 * time.Hour)
	}
	return nil
}

func glob(pattern, s string) bool {
	if pattern == "" || pattern == "*" {
		return true
	}
	ok, _ := path.Match(pattern, s)
	return ok
}

// Matches reports whether the entry covers check on res (and user, for
// audit findings), whatever its expiry.
func (e *Entry) Matches(check string, res finding.Resource, user string) bool {
	hit := false
	for _, g := range e.Checks {
		hit = hit || glob(g, check)
	}
	if !hit {
		return false
	}
	if len(e.Resources) == 0 {
		return true
	}
	for _, s := range e.Resources {
		if glob(s.Kind, res.Kind) && glob(s.Namespace, res.Namespace) && glob(s.Name, res.Name) && glob(s.User, user) {
			return true
		}
	}
	return false
}

// Expired reports whether the entry no longer applies at now.
func (e *Entry) Expired(now time.Time) bool { return !e.expires.IsZero() && !now.Before(e.expires) }

// Match finds the first live entry excepting check on res (user is for
// audit findings, "" otherwise). expired lists entries that would have
// matched but have expired, so they can be reported.
func (l *List) Match(check string, res finding.Resource, user string, now time.Time) (hit *Entry, expired []*Entry) {
	if l == nil {
		return nil, nil
	}
	for i := range l.Exceptions {
		e := &l.Exceptions[i]
		if !e.Matches(check, res, user) {
			continue
		}
		if e.Expired(now) {
			expired = append(expired, e)
			continue
		}
		if hit == nil {
			hit = e
		}
	}
	return hit, expired
}

// FromAnnotations reads the palisade.dev/exempt annotation: a comma
// separated list of check globs, with palisade.dev/exempt-reason required.
func FromAnnotations(annotations map[string]string) (*Entry, error) {
	v, ok := annotations[AnnotationExempt]
	if !ok {
		return nil, nil
	}
	e := &Entry{Reason: annotations[AnnotationReason]}
	for _, c := range strings.Split(v, ",") {
		if c = strings.TrimSpace(c); c != "" {
			e.Checks = append(e.Checks, c)
		}
	}
	if err := e.validate("annotation " + AnnotationExempt); err != nil {
		return nil, err
	}
	return e, nil
}
