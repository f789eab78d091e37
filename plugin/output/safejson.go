package output

import (
	"strconv"
	"unicode/utf8"
)

// SafeJSON makes JSON text safe for a terminal and keeps it the same JSON:
// the characters SafeLine escapes (DEL, C1 controls, line and paragraph
// separators, bidirectional controls), which JSON strings may hold as they
// are, are written as \uXXXX escapes, and bytes that are not UTF-8 as
// \ufffd. Valid JSON has no other control character but the line breaks
// and tabs of its layout, which stay.
func SafeJSON(b []byte) []byte {
	clean := true
	for i := 0; i < len(b); i++ {
		if c := b[i]; c >= utf8.RuneSelf || c == 0x7f || c < 0x20 && c != '\n' && c != '\t' && c != '\r' {
			clean = false
			break
		}
	}
	if clean {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			out = append(out, `\ufffd`...)
		case r != '\n' && r != '\t' && r != '\r' && isControl(r):
			q := strconv.FormatInt(int64(r), 16)
			out = append(out, `\u`...)
			for range 4 - len(q) {
				out = append(out, '0')
			}
			out = append(out, q...)
		default:
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}
