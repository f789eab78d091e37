package cmd

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/kp-token/kp-token/plugin/signals"
)

// interruptSignals are the signals that stop a command which must undo
// what it did before it exits: Ctrl-C, a supervisor's TERM, a closed
// terminal's HUP. On Windows only SIGINT (Ctrl-C) and SIGTERM (the
// console closing) are ever delivered. Constants only: a slice holding
// os.Interrupt, a variable, would be built at every start-up.
var interruptSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// interrupt turns those signals into cancelled contexts instead of the
// end of the process: the first cancels the work, so that the request under
// way returns and the command can undo what it made; a second one cancels
// the undo too, which then says what it left.
type interrupt struct {
	work, undo             context.Context
	cancelWork, cancelUndo context.CancelFunc

	mu      sync.Mutex
	sig     os.Signal
	ch      chan os.Signal
	done    chan struct{}
	wg      sync.WaitGroup
	stopped sync.Once
}

func catchInterrupts() *interrupt {
	i := &interrupt{ch: make(chan os.Signal, 4), done: make(chan struct{})}
	i.work, i.cancelWork = context.WithCancel(context.Background())
	i.undo, i.cancelUndo = context.WithCancel(context.Background())
	signals.Notify(i.ch, interruptSignals...)
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

func (i *interrupt) note(s os.Signal) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.sig == nil {
		i.sig = s
		i.cancelWork()
		return
	}
	i.cancelUndo()
}

// caught is the first signal received, or nil.
func (i *interrupt) caught() os.Signal {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.sig
}

// stop gives the signals back to their default action and returns the
// first one received, a signal that raced with stop included. The undo
// context stays usable: an undo may follow.
func (i *interrupt) stop() os.Signal {
	i.stopped.Do(func() {
		signal.Stop(i.ch)
		close(i.done)
		i.wg.Wait()
		for len(i.ch) > 0 {
			i.note(<-i.ch)
		}
	})
	return i.caught()
}

// exitCode is the status shells give a process ended by s: 128+signal.
func exitCode(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 130
}

// signalName is s as people and manuals name it.
func signalName(s os.Signal) string {
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
