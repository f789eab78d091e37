//go:build !windows

package kptoken

import (
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kp-token/kp-token/plugin/signals"
)

// raise ends the process with sig, the signal that killed the command
// 'exec' ran, so that kp-token's own parent sees what the command's would
// have. Go's runtime dies of SIGHUP, SIGINT and SIGTERM once nothing is
// notified of them (SIGKILL cannot be caught); for any other signal it
// would print a stack (SIGQUIT, SIGABRT) or ignore it (SIGPIPE, SIGUSR1),
// so raise returns and the caller exits with 128+N. It also returns for a
// signal kp-token was started with ignored ('nohup'): raising it would do
// nothing.
func raise(sig os.Signal) {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return
	}
	switch s {
	case syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL:
	default:
		return
	}
	if signals.IgnoredAtStart(s) {
		return
	}
	signal.Reset(s)
	if syscall.Kill(os.Getpid(), s) != nil {
		return
	}
	// The runtime ends the process from the thread that takes the signal,
	// which may not be this one: wait for it rather than exit first.
	time.Sleep(time.Second)
}
