package manifest

import (
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// DecodeJSONObject decodes a JSON object into generic content exactly as
// k8s.io/apimachinery/pkg/util/json.Unmarshal does into a map[string]any
// (integers that fit int64 as int64, other numbers as float64, a repeated
// key's last value, invalid UTF-8 and lone surrogates as U+FFFD), which is
// how the API server itself reads unstructured objects. A JSON null gives
// a nil map. A hand-written parser does it: encoding/json's reflection was
// the largest part of decoding an admission request. Whatever it does not
// take (errors included) goes to the reference decoder, so errors read
// the same; FuzzDecodeJSONObject holds the two to the same results.
func DecodeJSONObject(data []byte) (map[string]any, error) {
	p := jsonParser{data: data}
	p.space()
	if p.peek() == '{' {
		v, ok := p.value(0)
		if p.space(); ok && p.pos == len(p.data) {
			return v.(map[string]any), nil
		}
	}
	var m map[string]any
	err := utiljson.Unmarshal(data, &m)
	return m, err
}

type jsonParser struct {
	data []byte
	pos  int
}

// maxJSONDepth is encoding/json's own nesting limit.
const maxJSONDepth = 10000

func (p *jsonParser) peek() byte {
	if p.pos < len(p.data) {
		return p.data[p.pos]
	}
	return 0
}

func (p *jsonParser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) literal(s string) bool {
	if len(p.data)-p.pos >= len(s) && string(p.data[p.pos:p.pos+len(s)]) == s {
		p.pos += len(s)
		return true
	}
	return false
}

func (p *jsonParser) value(depth int) (any, bool) {
	if depth > maxJSONDepth {
		return nil, false
	}
	p.space()
	switch c := p.peek(); {
	case c == '{':
		p.pos++
		m := map[string]any{}
		p.space()
		if p.peek() == '}' {
			p.pos++
			return m, true
		}
		for {
			p.space()
			if p.peek() != '"' {
				return nil, false
			}
			k, ok := p.str()
			if !ok {
				return nil, false
			}
			p.space()
			if p.peek() != ':' {
				return nil, false
			}
			p.pos++
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			m[k] = v
			p.space()
			switch p.peek() {
			case ',':
				p.pos++
			case '}':
				p.pos++
				return m, true
			default:
				return nil, false
			}
		}
	case c == '[':
		p.pos++
		a := []any{}
		p.space()
		if p.peek() == ']' {
			p.pos++
			return a, true
		}
		for {
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			a = append(a, v)
			p.space()
			switch p.peek() {
			case ',':
				p.pos++
			case ']':
				p.pos++
				return a, true
			default:
				return nil, false
			}
		}
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case p.literal("true"):
		return true, true
	case p.literal("false"):
		return false, true
	case p.literal("null"):
		return nil, true
	}
	return nil, false
}

// number reads JSON's number grammar and converts as utiljson does:
// int64 when the text parses as one, else float64 (out of range: error,
// as encoding/json reports).
func (p *jsonParser) number() (any, bool) {
	start := p.pos
	if p.peek() == '-' {
		p.pos++
	}
	switch c := p.peek(); {
	case c == '0':
		p.pos++
	case c >= '1' && c <= '9':
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
		}
	default:
		return nil, false
	}
	integral := true
	if p.peek() == '.' {
		integral = false
		p.pos++
		if !p.digits() {
			return nil, false
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		integral = false
		p.pos++
		if c := p.peek(); c == '+' || c == '-' {
			p.pos++
		}
		if !p.digits() {
			return nil, false
		}
	}
	text := string(p.data[start:p.pos])
	if integral {
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return i, true
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, false
	}
	return f, true
}

func (p *jsonParser) digits() bool {
	start := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos > start
}

// str reads a string at p.pos (an opening quote), decoding escapes and
// replacing invalid UTF-8 as encoding/json does.
func (p *jsonParser) str() (string, bool) {
	p.pos++
	start := p.pos
	// The common case: no escapes, valid UTF-8, no control characters.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			s := string(p.data[start:p.pos])
			p.pos++
			return s, true
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		p.pos++
	}
	buf := append([]byte(nil), p.data[start:p.pos]...)
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), true
		case c < 0x20:
			return "", false
		case c == '\\':
			p.pos++
			if p.pos >= len(p.data) {
				return "", false
			}
			e := p.data[p.pos]
			p.pos++
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", false
				}
				if utf16.IsSurrogate(r) {
					// A pair makes one rune; anything else is U+FFFD and
					// the next escape is read on its own.
					r2 := rune(-1)
					if p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
						save := p.pos
						p.pos += 2
						var ok bool
						if r2, ok = p.hex4(); !ok {
							return "", false
						}
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							buf = utf8.AppendRune(buf, d)
							continue
						}
						p.pos = save
					}
					r = utf8.RuneError
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return "", false
			}
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			p.pos++
		default:
			r, size := utf8.DecodeRune(p.data[p.pos:])
			if r == utf8.RuneError && size == 1 {
				buf = utf8.AppendRune(buf, utf8.RuneError)
			} else {
				buf = append(buf, p.data[p.pos:p.pos+size]...)
			}
			p.pos += size
		}
	}
	return "", false
}

func (p *jsonParser) hex4() (rune, bool) {
	if len(p.data)-p.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.pos : p.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	p.pos += 4
	return r, true
}
