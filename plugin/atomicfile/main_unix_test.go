//go:build !windows

package atomicfile

import (
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// TestMain: a signal this test process was started with ignored (nohup's
// SIGHUP, a background job's SIGINT) stays ignored in what it starts and
// is never delivered to it, and the tests that end a write with one would
// fail. Catching it here gives it back: nothing changes for this process,
// which was not going to die of it anyway.
func TestMain(m *testing.M) {
	for _, s := range []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM} {
		if signal.Ignored(s) {
			signal.Notify(make(chan os.Signal, 1), s)
		}
	}
	os.Exit(m.Run())
}
