package cmdutil

import "golang.org/x/text/width"

// DisplayWidth is how many terminal columns s takes: East Asian wide and
// full-width characters (Hangul, kana, CJK) take two, others one.
func DisplayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}
