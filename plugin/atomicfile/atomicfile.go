// Package atomicfile writes files that hold secrets: mode 0600, and either
// the whole new content or the old file, never a half-written one.
package atomicfile

import (
	"os"
	"os/signal"
	"path/filepath"
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
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	if onSignal {
		stop := removeOnSignal(tmp.Name())
		defer stop()
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
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

// removeOnSignal removes name and exits 128+signal (130, 143, as shells
// report them) if SIGINT or SIGTERM arrives before stop is called.
func removeOnSignal(name string) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			_ = os.Remove(name)
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
