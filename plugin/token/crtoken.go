package token

import (
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/kp-token/kp-token/plugin/signals"
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
	g := &tempGuard{}
	stop := g.removeOnSignal(exitOnSignal)
	done = func() {
		g.remove()
		stop()
	}
	f, err := g.create("", crTokenTempPattern)
	if err != nil {
		stop()
		return "", nil, err
	}
	_ = f.Chmod(0o600) // CreateTemp's mode already; Windows keeps the folder's ACL
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

// tempGuard is the temporary file a signal must remove.
type tempGuard struct {
	mu   sync.Mutex
	name string
}

// create makes the file with the guard's lock held, so that a signal in
// between waits for its name instead of finding none and leaving the file.
func (g *tempGuard) create(dir, pattern string) (*os.File, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f, err := os.CreateTemp(dir, pattern)
	if err == nil {
		g.name = f.Name()
	}
	return f, err
}

func (g *tempGuard) remove() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.name != "" {
		_ = os.Remove(g.name)
		g.name = ""
	}
}

// removeOnSignal removes the guarded file, then calls exit, when SIGINT,
// SIGTERM or SIGHUP arrives before stop.
//
// Under a supervisor (signals.Supervised: 'exec' renewing while its child
// runs) a signal ends nothing, so no handler is needed: done removes the
// file when the exchange ends, and the supervisor waits for that.
func (g *tempGuard) removeOnSignal(exit func(os.Signal)) (stop func()) {
	if signals.Supervised() {
		return func() {}
	}
	ch := make(chan os.Signal, 1)
	signals.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case s := <-ch:
			g.remove()
			exit(s)
		case <-done:
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
			<-finished
		})
	}
}
