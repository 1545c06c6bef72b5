package manifest

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// fastParse parses the block-style YAML that nearly all Kubernetes manifests
// are written in straight into the node tree yaml.Unmarshal would build:
// same Kind, Tag, Value, Style, Line and Column everywhere (comments are not
// kept: nothing in this package reads them). yaml.v3's general scanner and
// parser were half of a scan's CPU time.
//
// It returns ok=false for anything outside its subset, and the caller then
// parses with yaml.v3, which also reports the errors. The subset is: block
// mappings and sequences (including compact "- key: v" and sequences at
// their key's indentation), one-line plain, single- and double-quoted
// scalars (only the escapes \\ \" \n \t), flow collections that end on
// their line (see flow), and comments. Everything else falls back:
// anchors, aliases, tags, block scalars, multi-line scalars and flow
// collections, complex and merge keys, directives, document markers, tabs,
// CRs and other line breaks, BOMs, control characters. Each rule errs on
// the side of falling back; TestFastYAMLMatchesYAMLv3 and FuzzFastYAML
// compare fastParse with yaml.v3.
func fastParse(data []byte) (*yaml.Node, bool) {
	root, _, ok := fastParseSlab(data)
	return root, ok
}

// fastParseSlab is fastParse with the slab that holds the tree, taken from
// slabPool: the caller gives it back (putSlab) once nothing reads the tree
// any more. The node slabs were a quarter of a scan's allocation.
func fastParseSlab(data []byte) (*yaml.Node, *nodeSlab, bool) {
	p := fastParser{data: data, line: 1, ascii: true}
	// Nodes and Content slices come from slabs, two allocations instead
	// of two per node: a tree is kept or dropped as a whole anyway.
	nodes := p.checkChars()
	if nodes < 0 {
		return nil, nil, false
	}
	sl := getSlab(nodes)
	p.nodes, p.ptrs = sl.nodes[:0], sl.ptrs[:0]
	if p.skipToContent(); p.bad || p.eof {
		putSlab(sl)
		return nil, nil, false // blank or only comments: let yaml.v3 say what
	}
	root := p.block(p.indent)
	if p.bad || !p.eof {
		putSlab(sl)
		return nil, nil, false
	}
	p.kids = append(p.kids, root)
	return p.finish(p.node(yaml.DocumentNode, "", "", root.Line, root.Column), 0), sl, true
}

// nodeSlab is the backing store of one parsed document's tree, shared by
// the objects read from it and reused once all of them are released.
type nodeSlab struct {
	nodes []yaml.Node
	ptrs  []*yaml.Node
	refs  atomic.Int32
}

var slabPool sync.Pool

// getSlab returns a slab with room for n nodes, reused when one is free.
func getSlab(n int) *nodeSlab {
	if sl, _ := slabPool.Get().(*nodeSlab); sl != nil && cap(sl.nodes) >= n && cap(sl.ptrs) >= n {
		return sl
	}
	return &nodeSlab{nodes: make([]yaml.Node, 0, n), ptrs: make([]*yaml.Node, 0, n)}
}

func putSlab(sl *nodeSlab) {
	if sl != nil {
		slabPool.Put(sl)
	}
}

type fastParser struct {
	data      []byte
	pos       int  // next byte to read
	lineStart int  // offset of the current line
	line      int  // 1-based number of the current line
	indent    int  // leading spaces of the current line (after skipToContent)
	started   bool // skipToContent has read the first line
	eof       bool
	bad       bool // outside the subset: give up
	ascii     bool // columns are byte offsets (else count runes)
	depth     int
	nodes     []yaml.Node  // slab of nodes
	ptrs      []*yaml.Node // slab of Content slices
	kids      []*yaml.Node // children of the collections being read
}

// maxFastDepth is far below yaml.v3's limit of 10000 and far above the
// MaxDepth a converter accepts, so deep documents fall back unchanged.
const maxFastDepth = 1000

// checkChars rejects anything yaml.v3 reads differently from "one line per
// \n, one column per rune": \r, NEL, LS and PS are line breaks to it, tabs
// have their own indentation rules, a BOM or control character is an error.
// It returns an estimate of the number of nodes, or -1.
func (p *fastParser) checkChars() int {
	d, n := p.data, 2
	for i := 0; i < len(d); {
		c := d[i]
		if c < utf8.RuneSelf {
			switch {
			case (c == '-' || c == ':') && (i+1 == len(d) || d[i+1] == ' ' || d[i+1] == '\n'):
				n += 1 + strings.IndexByte("-:", c) // an entry, or a key and its value
			case c == ',' || c == '[':
				n++
			case c < 0x20 && c != '\n' || c == 0x7f:
				return -1
			}
			i++
			continue
		}
		p.ascii = false
		r, size := utf8.DecodeRune(d[i:])
		if r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff || r > 0xfffd && r < 0x10000 || r == utf8.RuneError && size == 1 {
			return -1
		}
		i += size
	}
	return n
}

func (p *fastParser) fail() { p.bad = true }

// col is the 1-based column of offset i on the current line, in runes as
// yaml.v3 counts.
func (p *fastParser) col(i int) int {
	if p.ascii {
		return i - p.lineStart + 1
	}
	return utf8.RuneCount(p.data[p.lineStart:i]) + 1
}

func (p *fastParser) node(kind yaml.Kind, tag, value string, line, col int) *yaml.Node {
	if len(p.nodes) == cap(p.nodes) {
		p.nodes = make([]yaml.Node, 0, 64)
	}
	p.nodes = append(p.nodes, yaml.Node{Kind: kind, Tag: tag, Value: value, Line: line, Column: col})
	return &p.nodes[len(p.nodes)-1]
}

// finish gives n the children pushed on p.kids since base.
func (p *fastParser) finish(n *yaml.Node, base int) *yaml.Node {
	k := p.kids[base:]
	if len(k) > 0 {
		if cap(p.ptrs)-len(p.ptrs) < len(k) {
			p.ptrs = make([]*yaml.Node, 0, max(64, len(k)))
		}
		l := len(p.ptrs)
		p.ptrs = append(p.ptrs, k...)
		n.Content = p.ptrs[l:len(p.ptrs):len(p.ptrs)]
	}
	p.kids = p.kids[:base]
	return n
}

func (p *fastParser) at(i int) byte {
	if i < len(p.data) {
		return p.data[i]
	}
	return '\n' // the end of the data ends a line
}

func (p *fastParser) isBlank(i int) bool { c := p.at(i); return c == ' ' || c == '\n' }

func (p *fastParser) isEntry() bool { return p.at(p.pos) == '-' && p.isBlank(p.pos+1) }

func (p *fastParser) skipSpaces() int {
	start := p.pos
	for p.pos < len(p.data) && p.data[p.pos] == ' ' {
		p.pos++
	}
	return p.pos - start
}

// endLine accepts only spaces and a comment up to the end of the line.
// A '#' right after a token is not always a comment, so it falls back.
func (p *fastParser) endLine() {
	if n := p.skipSpaces(); p.at(p.pos) != '\n' && (n == 0 || p.data[p.pos] != '#') {
		p.fail()
	}
}

// skipToContent moves to the first token of the next line holding one,
// skipping the rest of the current line (which endLine has checked),
// blank lines and comment lines.
func (p *fastParser) skipToContent() {
	for {
		if p.started {
			nl := bytes.IndexByte(p.data[p.pos:], '\n')
			if p.eof = nl < 0; p.eof {
				return
			}
			p.pos += nl + 1
			p.line, p.lineStart = p.line+1, p.pos
		}
		p.started = true
		p.indent = p.skipSpaces()
		switch c := p.at(p.pos); {
		case c == '\n' || c == '#':
			continue
		case p.indent == 0 && (c == '-' || c == '.') && p.at(p.pos+1) == c && p.at(p.pos+2) == c:
			p.fail() // a document marker, or close enough to one
		}
		return
	}
}

// deeper counts one more level of nesting, or fails.
func (p *fastParser) deeper() bool {
	p.depth++
	if p.depth > maxFastDepth {
		p.fail()
	}
	return !p.bad
}

// block parses the mapping or sequence whose first token is at p.pos, at
// byte offset ind of the current line (its indentation).
func (p *fastParser) block(ind int) *yaml.Node {
	if !p.deeper() {
		return nil
	}
	defer func() { p.depth-- }()
	if p.isEntry() {
		return p.sequence(ind)
	}
	k, colon := p.scalar(false)
	if p.bad || !colon {
		p.fail() // a bare scalar line: maybe a multi-line scalar
		return nil
	}
	return p.mapping(ind, k)
}

// mapping parses a block mapping at indentation ind whose first key k has
// been read up to and including its ':'.
func (p *fastParser) mapping(ind int, k *yaml.Node) *yaml.Node {
	m, base := p.node(yaml.MappingNode, "!!map", "", k.Line, k.Column), len(p.kids)
	for {
		p.kids = append(p.kids, k)
		v := p.value(ind, true)
		if p.bad {
			return nil
		}
		p.kids = append(p.kids, v)
		if p.eof || p.indent < ind {
			return p.finish(m, base)
		}
		var colon bool
		if k, colon = p.scalar(false); p.indent > ind || p.bad || !colon {
			p.fail() // bad indentation, a continuation line, no key
			return nil
		}
	}
}

// sequence parses a block sequence whose first "-" is at p.pos, at
// indentation ind.
func (p *fastParser) sequence(ind int) *yaml.Node {
	s, base := p.node(yaml.SequenceNode, "!!seq", "", p.line, p.col(p.pos)), len(p.kids)
	for {
		p.pos++ // the '-'
		v := p.value(ind, false)
		if p.bad {
			return nil
		}
		p.kids = append(p.kids, v)
		if p.eof || p.indent < ind || (p.indent == ind && !p.isEntry()) {
			return p.finish(s, base) // the caller judges what follows
		}
		if p.indent > ind {
			p.fail()
			return nil
		}
	}
}

// value parses what follows a key's ':' or an entry's '-' (at p.pos) in a
// collection at indentation ind, and moves to the next line with content.
func (p *fastParser) value(ind int, inMap bool) *yaml.Node {
	// An empty value is a null at the end of its indicator.
	line, col := p.line, p.col(p.pos)
	p.skipSpaces()
	if c := p.at(p.pos); c == '\n' || c == '#' {
		p.skipToContent()
		switch {
		case p.bad:
			return nil
		case !p.eof && p.indent > ind:
			return p.block(p.indent)
		case inMap && !p.eof && p.indent == ind && p.isEntry():
			return p.block(ind) // Kubernetes style: a sequence at its key's indentation
		}
		return p.node(yaml.ScalarNode, "!!null", "", line, col)
	}
	start := p.pos - p.lineStart
	if !inMap && p.isEntry() {
		return p.block(start) // "- - x"
	}
	var v *yaml.Node
	if c := p.at(p.pos); c == '[' || c == '{' {
		v = p.flow()
	} else {
		var colon bool
		if v, colon = p.scalar(false); colon {
			if inMap || !p.deeper() {
				p.fail() // "a: b: c"
				return nil
			}
			defer func() { p.depth-- }()
			return p.mapping(start, v) // "- key: value", a mapping at this column
		}
	}
	if !p.bad {
		p.endLine()
		p.skipToContent()
	}
	return v
}

// scalar reads a one-line scalar at p.pos. It reports whether a mapping
// value indicator (": " or ":" at the end of the line) follows, and then
// leaves p.pos after the ':'. In a flow collection it reads only a
// restricted plain scalar, and does not look for a ':'.
func (p *fastParser) scalar(flow bool) (n *yaml.Node, colon bool) {
	start := p.pos
	line, col := p.line, p.col(start)
	var value string
	var style yaml.Style
	switch c := p.at(p.pos); {
	case c == '\'' || c == '"':
		if value, style = p.quoted(c), yaml.SingleQuotedStyle; c == '"' {
			style = yaml.DoubleQuotedStyle
		}
		if save := p.pos; !flow && !p.bad {
			p.skipSpaces()
			if colon = p.at(p.pos) == ':' && p.isBlank(p.pos+1); colon {
				p.pos++
			} else {
				p.pos = save
			}
		}
	case flow:
		value = p.flowPlain()
	default:
		value, colon = p.plain()
	}
	if p.bad || colon && p.pos-start > 1000 {
		p.fail() // yaml.v3 allows at most 1024 characters from a key to its ':'
		return nil, false
	}
	tag := "!!str"
	if style == 0 {
		if tag = plainTag(value); tag == "!!merge" {
			p.fail()
			return nil, false
		}
	}
	n = p.node(yaml.ScalarNode, tag, value, line, col)
	n.Style = style
	return n, colon
}

// plain reads a block-context plain scalar: up to ": ", " #" or the end of
// the line, without trailing spaces.
func (p *fastParser) plain() (string, bool) {
	d, start := p.data, p.pos
	switch d[start] {
	case '-', ':': // "-1", "::1"
		if p.isBlank(start + 1) {
			p.fail()
		}
	case '?', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		p.fail() // indicators, or characters that cannot start a plain scalar
	}
	end, i, colon := start, start, false
loop:
	for ; i < len(d); i++ {
		switch d[i] {
		case '\n':
			break loop
		case ' ':
			if p.at(i+1) == '#' {
				break loop
			}
			continue
		case ':':
			if p.isBlank(i + 1) {
				colon = true
				i++
				break loop
			}
		}
		end = i + 1
	}
	if p.pos = end; colon {
		p.pos = i
	}
	return string(d[start:end]), colon
}

func isFlowWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '/'
}

// flowPlain reads a plain scalar inside a flow collection, made only of
// characters that cannot end it or change its meaning there, and single
// spaces between words.
func (p *fastParser) flowPlain() string {
	start, end := p.pos, p.pos
	for i := p.pos; i < len(p.data); i++ {
		switch c := p.data[i]; {
		case isFlowWord(c):
		case i > start && (c == '-' || c == '+' || c == '@' || c == '='):
		case (c == ' ' && i > start || c == '-' && i == start) && isFlowWord(p.at(i+1)):
		default:
			i = len(p.data)
			continue
		}
		end = i + 1
	}
	if p.pos = end; end == start {
		p.fail()
	}
	return string(p.data[start:end])
}

// quoted reads a one-line quoted scalar. Escapes other than \\ \" \n \t,
// and a scalar that continues on the next line, fall back.
func (p *fastParser) quoted(q byte) string {
	d := p.data
	p.pos++
	start := p.pos
	var b []byte // set only once an escape is met
	for i := start; i < len(d) && d[i] != '\n'; i++ {
		switch c := d[i]; {
		case c == q && q == '\'' && p.at(i+1) == '\'':
			b = append(append(b, d[start:i]...), '\'')
			i++
			start = i + 1
		case c == q:
			p.pos = i + 1
			if b == nil {
				return string(d[start:i])
			}
			return string(append(b, d[start:i]...))
		case c == '\\' && q == '"':
			e := strings.IndexByte(`\"nt`, p.at(i+1))
			if e < 0 {
				p.fail()
				return ""
			}
			b = append(append(b, d[start:i]...), "\\\"\n\t"[e])
			i++
			start = i + 1
		}
	}
	p.fail()
	return ""
}

// flow reads a flow collection that ends on its line, such as
// {app: web}, ["get", "list"] or [{containerPort: 80}]: entries are
// scalars (see flowPlain) and nested collections, keys only scalars. Empty
// entries, trailing commas, "key:" without a value, "? " and pairs inside
// sequences fall back.
func (p *fastParser) flow() *yaml.Node {
	if !p.deeper() {
		return nil
	}
	defer func() { p.depth-- }()
	kind, tag, closer := yaml.SequenceNode, "!!seq", byte(']')
	if p.data[p.pos] == '{' {
		kind, tag, closer = yaml.MappingNode, "!!map", '}'
	}
	n, base := p.node(kind, tag, "", p.line, p.col(p.pos)), len(p.kids)
	n.Style = yaml.FlowStyle
	p.pos++
	p.skipSpaces()
	if p.at(p.pos) == closer {
		p.pos++
		return n
	}
	for !p.bad {
		if kind == yaml.MappingNode {
			start := p.pos
			k, _ := p.scalar(true)
			p.skipSpaces()
			if p.bad || p.at(p.pos) != ':' || p.at(p.pos+1) != ' ' || p.pos-start > 1000 {
				p.fail()
				return nil
			}
			p.pos++
			p.skipSpaces()
			p.kids = append(p.kids, k)
		}
		var e *yaml.Node
		if c := p.at(p.pos); c == '[' || c == '{' {
			e = p.flow()
		} else {
			e, _ = p.scalar(true)
		}
		if p.bad {
			return nil
		}
		p.kids = append(p.kids, e)
		p.skipSpaces()
		switch p.at(p.pos) {
		case closer:
			p.pos++
			return p.finish(n, base)
		case ',':
			p.pos++
			p.skipSpaces()
			if c := p.at(p.pos); c == ']' || c == '}' || c == ',' {
				p.fail() // a trailing comma or an empty entry
			}
		default:
			p.fail()
		}
	}
	return nil
}

// plainTag is the tag yaml.v3 resolves a plain scalar to (its resolve with
// no tag, which it does not export), rule for rule.
func plainTag(s string) string {
	if s == "" {
		return "!!null"
	}
	switch c := s[0]; {
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		return numberTag(s)
	case c == '.':
		switch s {
		case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF":
			return "!!float"
		}
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return "!!float"
		}
	case strings.IndexByte("yYnNtTfFoO~<", c) >= 0:
		switch s {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return "!!bool"
		case "~", "null", "Null", "NULL":
			return "!!null"
		case "<<":
			return "!!merge"
		}
	}
	return "!!str"
}

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// numberTag follows yaml.v3 for a plain scalar starting with a sign or a
// digit: timestamp, else int (with '_' dropped, any Go base prefix, then
// 0b and 0o by hand), else float.
func numberTag(s string) string {
	switch s {
	case "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return "!!float"
	}
	if isTimestamp(s) {
		return "!!timestamp"
	}
	// Every number yaml.v3 parses is made of these; quantities such as
	// 100m or 64Mi are not, and need no more tries.
	for i := 0; i < len(s); i++ {
		if strings.IndexByte("0123456789abcdefABCDEFxXoO+-._", s[i]) < 0 {
			return "!!str"
		}
	}
	isInt := func(s string, base int) bool {
		if _, err := strconv.ParseInt(s, base, 64); err == nil {
			return true
		}
		_, err := strconv.ParseUint(s, base, 64)
		return err == nil
	}
	plain := strings.ReplaceAll(s, "_", "")
	if isInt(plain, 0) {
		return "!!int"
	}
	if yamlStyleFloat.MatchString(plain) {
		if _, err := strconv.ParseFloat(plain, 64); err == nil {
			return "!!float"
		}
	}
	if rest, ok := strings.CutPrefix(plain, "0b"); ok && isInt(rest, 2) {
		return "!!int"
	} else if rest, ok := strings.CutPrefix(plain, "-0b"); ok && isInt("-"+rest, 2) {
		return "!!int"
	}
	if rest, ok := strings.CutPrefix(plain, "0o"); ok && isInt(rest, 8) {
		return "!!int"
	} else if rest, ok := strings.CutPrefix(plain, "-0o"); ok && isInt("-"+rest, 8) {
		return "!!int"
	}
	return "!!str"
}

// isTimestamp is yaml.v3's parseTimestamp: YYYY- then one of its layouts.
func isTimestamp(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, layout := range []string{"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00", "2006-1-2 15:4:5.999999999", "2006-1-2"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}
