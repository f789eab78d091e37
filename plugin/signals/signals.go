// Package signals is the one way kp-token asks for signals. A signal the
// process was started with ignored stays ignored ('nohup' ignores SIGHUP, a
// shell's background job SIGINT and SIGQUIT): os/signal's Notify would
// install a handler for it, the process would then die of it after Stop,
// and signal.Ignored stops reporting it as ignored once Notify was called
// for it. So whether a signal was ignored is read before kp-token first
// asks for it, and remembered.
package signals

import (
	"os"
	"os/signal"
	"sync"
)

var (
	mu      sync.Mutex
	ignored map[os.Signal]bool
)

// IgnoredAtStart reports whether s was ignored before kp-token first asked
// for it.
func IgnoredAtStart(s os.Signal) bool {
	mu.Lock()
	defer mu.Unlock()
	return ignoredLocked(s)
}

func ignoredLocked(s os.Signal) bool {
	v, ok := ignored[s]
	if !ok {
		if ignored == nil {
			ignored = map[os.Signal]bool{}
		}
		v = signal.Ignored(s)
		ignored[s] = v
	}
	return v
}

// Notify is signal.Notify for the signals of sigs that were not ignored at
// start; the others stay ignored and are never delivered.
func Notify(ch chan<- os.Signal, sigs ...os.Signal) {
	mu.Lock()
	defer mu.Unlock()
	for _, s := range sigs {
		if !ignoredLocked(s) {
			signal.Notify(ch, s)
		}
	}
}
