package signals

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// interruptSignals are the signals that stop a command which must undo
// what it did before it exits: Ctrl-C, a supervisor's TERM, a closed
// terminal's HUP. On Windows only SIGINT (Ctrl-C) and SIGTERM (the
// console closing) are ever delivered. Constants only: a slice holding
// os.Interrupt, a variable, would be built at every start-up.
var interruptSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// Interrupt turns those signals into cancelled contexts instead of the
// end of the process: the first cancels the work, so that the request under
// way returns and the command can undo what it made; a second one cancels
// the undo too, which then says what it left.
type Interrupt struct {
	work, undo             context.Context
	cancelWork, cancelUndo context.CancelFunc

	mu      sync.Mutex
	sig     os.Signal
	ch      chan os.Signal
	done    chan struct{}
	wg      sync.WaitGroup
	stopped sync.Once
}

// CatchInterrupts starts turning SIGINT, SIGTERM and SIGHUP into
// cancelled contexts, until Stop.
func CatchInterrupts() *Interrupt {
	i := &Interrupt{ch: make(chan os.Signal, 4), done: make(chan struct{})}
	i.work, i.cancelWork = context.WithCancel(context.Background())
	i.undo, i.cancelUndo = context.WithCancel(context.Background())
	Notify(i.ch, interruptSignals...)
	i.wg.Add(1)
	go func() {
		defer i.wg.Done()
		for {
			select {
			case s := <-i.ch:
				i.note(s)
			case <-i.done:
				return
			}
		}
	}()
	return i
}

func (i *Interrupt) note(s os.Signal) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.sig == nil {
		i.sig = s
		i.cancelWork()
		return
	}
	i.cancelUndo()
}

// Work is cancelled by the first signal.
func (i *Interrupt) Work() context.Context { return i.work }

// Undo is cancelled by the second signal.
func (i *Interrupt) Undo() context.Context { return i.undo }

// Caught is the first signal received, or nil.
func (i *Interrupt) Caught() os.Signal {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.sig
}

// Stop gives the signals back to their default action and returns the
// first one received, a signal that raced with stop included. The undo
// context stays usable: an undo may follow.
func (i *Interrupt) Stop() os.Signal {
	i.stopped.Do(func() {
		signal.Stop(i.ch)
		close(i.done)
		i.wg.Wait()
		for len(i.ch) > 0 {
			i.note(<-i.ch)
		}
	})
	return i.Caught()
}

// ExitCode is the status shells give a process ended by s: 128+signal.
func ExitCode(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 130
}

// Name is s as people and manuals name it.
func Name(s os.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return s.String()
}
