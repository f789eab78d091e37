//go:build !linux

package cmdtest

import (
	"io"
	"os"
	"testing"
)

// Terminal is a pseudo-terminal for a run's standard input (Linux only:
// the test is skipped elsewhere).
func Terminal(t *testing.T) (tty *os.File, typed io.Writer) {
	t.Helper()
	t.Skip("pseudo-terminals are opened on Linux only")
	return nil, nil
}
