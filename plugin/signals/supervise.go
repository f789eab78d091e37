package signals

import "sync/atomic"

// supervisors counts the supervisors at work (Supervise).
var supervisors atomic.Int32

// Supervise says, until release is called, that a supervisor decides what
// SIGINT, SIGTERM and SIGHUP mean: 'exec', whose child decides and which
// ends when the child does. Meanwhile the helpers that guard a secret's
// copy by removing it and ending the process on those signals (atomicfile,
// the CLI session's renewal, the compute resource token's copy) stand
// aside: their copies go when their work ends, which the supervisor waits
// for before it exits. Without this, a Ctrl-C that the child absorbs would
// end kp-token in the middle of a token renewal, leaving the child without
// its parent and its token files behind.
func Supervise() (release func()) {
	supervisors.Add(1)
	var done atomic.Bool
	return func() {
		if done.CompareAndSwap(false, true) {
			supervisors.Add(-1)
		}
	}
}

// Supervised reports whether a supervisor holds the signals (Supervise):
// a signal is then no reason to end the process.
func Supervised() bool { return supervisors.Load() > 0 }
