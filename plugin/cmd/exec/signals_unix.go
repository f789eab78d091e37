//go:build !windows

package exec

import (
	"os"
	"syscall"
)

// absorbedSignals are the ones a terminal sends to its whole foreground
// process group (Ctrl-C, Ctrl-\): the child has its own copy already, and
// a second one from kp-token would be a second Ctrl-C ("force quit" to
// many tools). kp-token only outlives them while the child decides.
var absorbedSignals = []os.Signal{syscall.SIGINT, syscall.SIGQUIT}

// forwardedSignals are the ones a supervisor sends to one process, the one
// it started: kp-token passes them on.
var forwardedSignals = []os.Signal{syscall.SIGTERM, syscall.SIGHUP}
