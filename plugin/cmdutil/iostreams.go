package cmdutil

import "io"

// IOStreams are the process's standard streams.
type IOStreams struct {
	In          io.Reader
	Out, ErrOut io.Writer
}
