package cmdutil

import "io"

// IOStreams are the process's standard streams.
type IOStreams struct {
	In          io.Reader
	Out, ErrOut io.Writer
}

// CheckedWriter remembers the first error writing to W, so that a command
// whose data could not be written to stdout does not end well.
type CheckedWriter struct {
	W   io.Writer
	err error
}

func (c *CheckedWriter) Write(b []byte) (int, error) {
	n, err := c.W.Write(b)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// WriteErr is the first error writing, if any.
func (c *CheckedWriter) WriteErr() error { return c.err }

// Unwrap is the real stdout, for a child process to inherit.
func (c *CheckedWriter) Unwrap() io.Writer { return c.W }
