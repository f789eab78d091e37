package token

import (
	"os"

	"github.com/kp-token/kp-token/plugin/atomicfile"
)

// crTokenTempPattern names the private copy of a compute resource token
// where no pipe can stand in for a file (Windows).
const crTokenTempPattern = ".kp-token-cr-*"

// crTokenTemp writes tok to a private 0600 temporary file for go-sdk-core
// to read. A SIGINT, SIGTERM or SIGHUP handler is in place before the file
// exists and until it is gone: whatever ends the run, the file goes (the
// token was given on standard input, perhaps, and must not stay behind for
// the next job on a shared runner). done removes the file.
func crTokenTemp(tok string) (name string, done func(), err error) {
	f, done, err := atomicfile.CreateTemp("", crTokenTempPattern, func(s os.Signal) { exitOnSignal(s) })
	if err != nil {
		return "", nil, err
	}
	_, werr := f.WriteString(tok)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		done()
		return "", nil, werr
	}
	return f.Name(), done, nil
}

// exitOnSignal ends the process after a signal removed the copy: 130 for
// SIGINT, 143 for SIGTERM, 129 for SIGHUP, as shells report them.
var exitOnSignal = func(s os.Signal) { os.Exit(128 + signalNumber(s)) }
