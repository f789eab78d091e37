//go:build !windows

package signals

import (
	"os"
	"os/signal"
	"syscall"
)

// UnignoreForTests is for a TestMain whose tests end runs with SIGHUP,
// SIGINT or SIGTERM. A signal the test process was started with ignored
// (nohup's SIGHUP, a background job's SIGINT) stays ignored in every
// process it starts, and in itself, so such a test would fail. Catching
// the signal gives the children their default action back and changes
// nothing for the test process, which was not going to die of it anyway.
// The product never calls it: Notify keeps an ignored signal ignored.
func UnignoreForTests() {
	for _, s := range []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM} {
		if signal.Ignored(s) {
			signal.Notify(make(chan os.Signal, 1), s)
		}
	}
}
