package report

import (
	"strconv"
	"unicode/utf8"

	"github.com/palisade-dev/palisade/internal/finding"
)

// appendFinding appends f exactly as encoding/json, indented by two spaces
// under prefix and without HTML escaping, would lay it out. A large scan
// writes hundreds of thousands of findings and reflection with a second
// indentation pass was a fifth of the whole scan's CPU; a differential test
// keeps the two identical. Audit findings (inlined AuditInfo) are rare and
// go through encoding/json.
func appendFinding(b []byte, prefix string, f *finding.Finding) []byte {
	in1 := prefix + "  "
	in2 := in1 + "  "
	b = append(b, "{\n"...)
	b = appendField(b, in1, "check", f.Check, true)
	b = appendField(b, in1, "standard", string(f.Standard), true)
	if f.Level != "" {
		b = appendField(b, in1, "level", f.Level, true)
	}
	b = appendField(b, in1, "severity", f.Severity.String(), true)
	b = appendField(b, in1, "file", f.File, true)
	b = append(b, in1...)
	b = append(b, `"line": `...)
	b = strconv.AppendInt(b, int64(f.Line), 10)
	b = append(b, ",\n"...)
	b = append(b, in1...)
	b = append(b, "\"resource\": {\n"...)
	r := &f.Resource
	b = appendField(b, in2, "apiVersion", r.APIVersion, true)
	b = appendField(b, in2, "kind", r.Kind, true)
	if r.Namespace != "" {
		b = appendField(b, in2, "namespace", r.Namespace, true)
	}
	b = appendField(b, in2, "name", r.Name, false)
	b = append(b, in1...)
	b = append(b, "},\n"...)
	if f.Path != "" {
		b = appendField(b, in1, "path", f.Path, true)
	}
	b = appendField(b, in1, "message", f.Message, true)
	if f.Remediation != "" {
		b = appendField(b, in1, "remediation", f.Remediation, true)
	}
	b = append(b, in1...)
	b = append(b, `"suppressed": `...)
	b = strconv.AppendBool(b, f.Suppressed)
	b = append(b, '\n')
	b = append(b, prefix...)
	return append(b, '}')
}

func appendField(b []byte, indent, key, value string, comma bool) []byte {
	b = append(b, indent...)
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, `": `...)
	b = appendJSONString(b, value)
	if comma {
		b = append(b, ',')
	}
	return append(b, '\n')
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does with HTML escaping off:
// control characters escaped (\b \f \n \r \t by name), invalid UTF-8 as
// U+FFFD, and U+2028/U+2029 escaped for JavaScript.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
