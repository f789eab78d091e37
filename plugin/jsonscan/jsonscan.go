// Package jsonscan reads small, known JSON documents without reflection
// and without encoding/json's streaming tokenizer. A cached 'get' reads
// three of them (the key file, the cache entry, the token's claims):
// building reflection data for each type was most of that work, and the
// tokenizer that replaced it (json.Decoder.Token, one state-machine call
// per byte and an interface per token) was still a third of the command's
// own start-up time (perf). This scanner walks the bytes once.
//
// It accepts exactly the JSON that encoding/json accepts (RFC 8259, at
// most 10000 levels deep) and unquotes strings as encoding/json does
// (invalid UTF-8 becomes U+FFFD, a lone surrogate too). Every reader here
// is at least as strict as json.Unmarshal: differential fuzz tests beside
// the callers, and FuzzScan here, hold them to it.
package jsonscan

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// Decoder reads JSON values one after another from a byte slice.
type Decoder struct {
	data  []byte
	pos   int
	depth int
}

// NewDecoder reads data.
func NewDecoder(data []byte) *Decoder { return &Decoder{data: data} }

func (d *Decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// next skips white space and returns the next byte without reading it;
// 0 at the end.
func (d *Decoder) next() byte {
	d.space()
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

// Object reads one JSON object, calling member with each member's name;
// member must read the value (with String, Int, Skip...) and say whether
// it was acceptable. A name seen twice is read twice, so the last one
// wins, as with json.Unmarshal.
func Object(d *Decoder, member func(name string) bool) bool {
	if d.next() != '{' || d.depth >= maxDepth {
		return false
	}
	d.pos++
	d.depth++
	if d.next() == '}' {
		d.pos++
		d.depth--
		return true
	}
	for {
		var name string
		if d.next() != '"' || !d.str(&name) || d.next() != ':' {
			return false
		}
		d.pos++
		if !member(name) {
			return false
		}
		switch d.next() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			d.depth--
			return true
		default:
			return false
		}
	}
}

// End reports whether nothing but white space follows.
func End(d *Decoder) bool { return d.next() == 0 && d.pos == len(d.data) }

// String reads a string value.
func String(d *Decoder, dst *string) bool {
	*dst = ""
	return d.next() == '"' && d.str(dst)
}

// Int reads an integer value that fits in an int64.
func Int(d *Decoder, dst *int64) bool {
	var n json.Number
	if !Number(d, &n) {
		return false
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	*dst = v
	return err == nil
}

// Number reads a number value as written.
func Number(d *Decoder, dst *json.Number) bool {
	*dst = ""
	d.space()
	start := d.pos
	if !d.number() {
		return false
	}
	*dst = json.Number(d.data[start:d.pos])
	return true
}

// Scalar reads one value and returns it when it is a string, a
// json.Number, a bool or nil (null); an object or array is read whole and
// returned as its opening json.Delim.
func Scalar(d *Decoder) (json.Token, bool) {
	switch c := d.next(); c {
	case '"':
		var s string
		ok := d.str(&s)
		return s, ok
	case '{', '[':
		return json.Delim(c), Skip(d)
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	}
	var n json.Number
	ok := Number(d, &n)
	return n, ok
}

// Skip reads one whole value, however deeply nested (up to encoding/json's
// limit).
func Skip(d *Decoder) bool {
	// open holds the containers still open: '}' or ']' each.
	var open []byte
	for {
		// A value.
		switch c := d.next(); c {
		case '{', '[':
			if d.depth+len(open) >= maxDepth {
				return false
			}
			d.pos++
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			if d.next() == closer {
				d.pos++
				break
			}
			open = append(open, closer)
			if closer == '}' && !d.key() {
				return false
			}
			continue
		case '"':
			if !d.skipString() {
				return false
			}
		case 't':
			if !d.literal("true") {
				return false
			}
		case 'f':
			if !d.literal("false") {
				return false
			}
		case 'n':
			if !d.literal("null") {
				return false
			}
		default:
			if !d.number() {
				return false
			}
		}
		// After a value: close what ends here, or go on to the next one.
		for {
			if len(open) == 0 {
				return true
			}
			closer := open[len(open)-1]
			c := d.next()
			if c == closer {
				d.pos++
				open = open[:len(open)-1]
				continue
			}
			if c != ',' {
				return false
			}
			d.pos++
			if closer == '}' && !d.key() {
				return false
			}
			break
		}
	}
}

// key reads a member name and its colon.
func (d *Decoder) key() bool {
	if d.next() != '"' || !d.skipString() || d.next() != ':' {
		return false
	}
	d.pos++
	return true
}

func (d *Decoder) literal(word string) bool {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return false
	}
	d.pos += len(word)
	return true
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *Decoder) number() bool {
	p, b := d.pos, d.data
	if p < len(b) && b[p] == '-' {
		p++
	}
	switch {
	case p < len(b) && b[p] == '0':
		p++
	case p < len(b) && b[p] >= '1' && b[p] <= '9':
		p = digits(b, p)
	default:
		return false
	}
	if p < len(b) && b[p] == '.' {
		q := digits(b, p+1)
		if q == p+1 {
			return false
		}
		p = q
	}
	if p < len(b) && (b[p] == 'e' || b[p] == 'E') {
		p++
		if p < len(b) && (b[p] == '+' || b[p] == '-') {
			p++
		}
		q := digits(b, p)
		if q == p {
			return false
		}
		p = q
	}
	d.pos = p
	return true
}

func digits(b []byte, p int) int {
	for p < len(b) && b[p] >= '0' && b[p] <= '9' {
		p++
	}
	return p
}

// scanString finds the end of the string that starts at d.pos. plain says
// that its bytes are its value: no escape, valid UTF-8.
func (d *Decoder) scanString() (end int, plain, ok bool) {
	b := d.data
	plain = true
	for p := d.pos + 1; p < len(b); {
		c := b[p]
		switch {
		case c == '"':
			return p, plain, true
		case c < ' ':
			return 0, false, false
		case c == '\\':
			plain = false
			if p+1 >= len(b) {
				return 0, false, false
			}
			switch b[p+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p += 2
			case 'u':
				if p+6 > len(b) || hex4(b[p+2:p+6]) < 0 {
					return 0, false, false
				}
				p += 6
			default:
				return 0, false, false
			}
		case c < utf8.RuneSelf:
			p++
		default:
			r, size := utf8.DecodeRune(b[p:])
			if r == utf8.RuneError && size == 1 {
				plain = false
			}
			p += size
		}
	}
	return 0, false, false
}

func (d *Decoder) skipString() bool {
	end, _, ok := d.scanString()
	d.pos = end + 1
	return ok
}

// str reads the string at d.pos into dst.
func (d *Decoder) str(dst *string) bool {
	end, plain, ok := d.scanString()
	if !ok {
		return false
	}
	raw := d.data[d.pos+1 : end]
	d.pos = end + 1
	if plain {
		*dst = string(raw)
	} else {
		*dst = unquote(raw)
	}
	return true
}

// unquote decodes the body of a string scanString accepted, as
// encoding/json does.
func unquote(s []byte) string {
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			switch s[r+1] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := rune(hex4(s[r+2 : r+6]))
				r += 6
				if utf16.IsSurrogate(rr) {
					rr1 := rune(-1)
					if r+6 <= len(s) && s[r] == '\\' && s[r+1] == 'u' {
						rr1 = rune(hex4(s[r+2 : r+6]))
					}
					if dec := utf16.DecodeRune(rr, rr1); dec != utf8.RuneError {
						r += 6
						b = utf8.AppendRune(b, dec)
						continue
					}
					rr = utf8.RuneError
				}
				b = utf8.AppendRune(b, rr)
				continue
			default: // '"', '\\', '/'
				b = append(b, s[r+1])
			}
			r += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			b = utf8.AppendRune(b, rr)
			r += size
		}
	}
	return string(b)
}

// hex4 is the value of four hex digits, or -1.
func hex4(b []byte) int {
	v := 0
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		v = v<<4 | int(c)
	}
	return v
}
