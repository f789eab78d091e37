//go:build !reflectentry

package cache

import (
	"strconv"
	"unicode/utf8"
)

// encodeEntry writes e as json.MarshalIndent(e, "", "  ") does, byte for
// byte (FuzzEncodeEntry holds it to that), without reflection. A cold run
// writes one entry and encodes nothing else: encoding/json's first use of
// a type (its field table, its encoders) and the code that builds them
// cost that run more than the rest of the write, and `make bench` shows
// it: its "speed setting" row times the IAM exchange against the same
// sources built with -tags reflectentry, which encodes with
// encoding/json.
func encodeEntry(e Entry) ([]byte, error) {
	b := make([]byte, 0, 512+len(e.Token.AccessToken)+len(e.Token.RefreshToken))
	b = append(b, "{\n  \"version\": "...)
	b = strconv.AppendInt(b, int64(e.Version), 10)
	b = appendField(b, "  ", "iam_endpoint", e.Endpoint)
	b = appendField(b, "  ", "apikey_sha256", e.KeyHash)
	b = appendField(b, "  ", "scope", e.Scope)
	if e.Source != "" {
		b = appendField(b, "  ", "source", e.Source)
	}
	b = append(b, ",\n  \"stored_at\": "...)
	b = strconv.AppendInt(b, e.Stored, 10)
	t := e.Token
	b = append(b, ",\n  \"token\": {\n    \"access_token\": "...)
	b = appendString(b, t.AccessToken)
	if t.RefreshToken != "" {
		b = appendField(b, "    ", "refresh_token", t.RefreshToken)
	}
	b = appendField(b, "    ", "token_type", t.TokenType)
	b = append(b, ",\n    \"expires_in\": "...)
	b = strconv.AppendInt(b, t.ExpiresIn, 10)
	b = append(b, ",\n    \"expiration\": "...)
	b = strconv.AppendInt(b, t.Expiration, 10)
	if t.Scope != "" {
		b = appendField(b, "    ", "scope", t.Scope)
	}
	return append(b, "\n  }\n}"...), nil
}

// appendField appends a string member after a previous one.
func appendField(b []byte, indent, name, v string) []byte {
	b = append(b, ",\n"...)
	b = append(b, indent...)
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, "\": "...)
	return appendString(b, v)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string with encoding/json's escapes:
// the short forms, \u00XX for other control characters, <, > and & as
// \u003c, \u003e and \u0026, U+2028 and U+2029 escaped, and each byte of
// invalid UTF-8 as \ufffd.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
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
