//go:build unix

package token

import (
	"io"
	"os"
	"strconv"
)

// devFD names open file descriptors (Linux, macOS, the BSDs).
var devFD = "/dev/fd/"

// crTokenFile gives go-sdk-core's ContainerAuthenticator, which reads the
// compute resource token only from a path, a path that is no file: the
// read end of a pipe, as /dev/fd/N. The token never touches a disk, and
// nothing can stay behind, whatever ends the process. Where /dev/fd is
// missing (a chroot without /proc), a guarded temporary file stands in.
func crTokenFile(tok string) (name string, done func(), err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return crTokenTemp(tok)
	}
	name = devFD + strconv.Itoa(int(r.Fd()))
	if _, err := os.Stat(name); err != nil {
		r.Close()
		w.Close()
		return crTokenTemp(tok)
	}
	// Written while the authenticator reads (a token may not fit in the
	// pipe's buffer); closing w gives it its end of file. If it never
	// reads, closing r in done makes the write fail instead of blocking.
	go func() {
		_, _ = io.WriteString(w, tok)
		w.Close()
	}()
	return name, func() { r.Close() }, nil
}
