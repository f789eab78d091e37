// Package atomicfile writes files that hold secrets: mode 0600, and either
// the whole new content or the old file, never a half-written one.
package atomicfile

import (
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
)

// Write replaces path with data. The data goes to a temporary file in the
// same directory (so the rename stays on one file system), is synced, gets
// mode 0600 and is renamed over path. SIGINT or SIGTERM during the write
// removes the temporary file (it holds a secret) and ends the process.
func Write(path string, data []byte) error { return write(path, data, true, true) }

// WriteNoSync is Write without the fsync, for files whose loss in a crash
// costs nothing but a redo (cache entries, which are checked when read).
func WriteNoSync(path string, data []byte) error { return write(path, data, false, true) }

// WriteSignalsHeld is Write for a caller that holds SIGINT and SIGTERM
// itself until the write is done (the CLI's config).
func WriteSignalsHeld(path string, data []byte) error { return write(path, data, true, false) }

// TempPattern matches the temporary files of interrupted writes.
const TempPattern = ".*.tmp-*"

func write(path string, data []byte, sync, onSignal bool) (err error) {
	dir := filepath.Dir(path)
	// The handler is in place before the temporary file exists, and stays
	// until the file is renamed or removed: no signal finds it unguarded.
	guard := &tempGuard{}
	if onSignal {
		stop := guard.removeOnSignal()
		defer stop()
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	guard.set(tmp.Name())
	defer func() {
		if err != nil {
			tmp.Close()
			guard.remove()
		}
		guard.set("")
	}()
	// CreateTemp already uses 0600 on Unix; Chmod makes it explicit and also
	// covers an inherited umask surprise.
	if err = tmp.Chmod(0o600); err != nil && !isUnsupported(err) {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if sync {
		if err = tmp.Sync(); err != nil {
			return err
		}
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return rename(tmp.Name(), path)
}

// tempGuard is the temporary file a signal must remove.
type tempGuard struct {
	mu   sync.Mutex
	name string
}

func (g *tempGuard) set(name string) {
	g.mu.Lock()
	g.name = name
	g.mu.Unlock()
}

func (g *tempGuard) remove() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.name != "" {
		_ = os.Remove(g.name)
		g.name = ""
	}
}

// removeOnSignal removes the guarded file and exits 128+signal (130, 143,
// as shells report them) if SIGINT or SIGTERM arrives before stop is
// called. The lock in remove holds a signal back while a rename is under
// way only as long as the rename itself.
func (g *tempGuard) removeOnSignal() (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			g.remove()
			code := 130
			if s == syscall.SIGTERM {
				code = 143
			}
			os.Exit(code)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
