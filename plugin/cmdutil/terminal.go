package cmdutil

import (
	"io"

	"golang.org/x/term"
)

// IsTerminal reports whether w, or the stream a CheckedWriter wraps, is a
// terminal: output for a person there (indented JSON), for a program
// anywhere else.
func IsTerminal(w io.Writer) bool {
	for {
		u, ok := w.(interface{ Unwrap() io.Writer })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}
