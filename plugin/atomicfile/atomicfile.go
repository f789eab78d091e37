// Package atomicfile writes files that hold secrets: mode 0600, and either
// the whole new content or the old file, never a half-written one.
package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/kp-token/kp-token/plugin/signals"
)

// Write replaces path with data. The data goes to a temporary file in the
// same directory (so the rename stays on one file system), is synced, gets
// mode 0600 and is renamed over path. SIGINT, SIGTERM or SIGHUP during the
// write removes the temporary file (it holds a secret) and ends the process.
func Write(path string, data []byte) error { return WriteWith(path, data, Options{}) }

// WriteNoSync is Write without the fsync, for files whose loss in a crash
// costs nothing but a redo (cache entries, which are checked when read).
func WriteNoSync(path string, data []byte) error {
	return WriteWith(path, data, Options{NoSync: true})
}

// WriteSignalsHeld is Write for a caller that holds SIGINT and SIGTERM
// itself until the write is done (the CLI's config).
func WriteSignalsHeld(path string, data []byte) error {
	return WriteWith(path, data, Options{SignalsHeld: true})
}

// Options change how WriteWith writes.
type Options struct {
	// NoSync skips the fsync.
	NoSync bool
	// SignalsHeld is for a caller that handles SIGINT, SIGTERM and SIGHUP
	// itself while WriteWith runs, and acts on them once it returns: a
	// write that has begun then ends as usual (the file published, or the
	// temporary file removed), and the caller can still undo what it did
	// before. Without it, a signal removes the temporary file and ends the
	// process at once.
	SignalsHeld bool
	// NoReplace publishes the file only where none exists: an existing
	// path, even one that appears during the write, gives an error that
	// matches fs.ErrExist and stays untouched.
	NoReplace bool
	// Locked is for a writer that holds path's lock, whose readers take a
	// missing file as a reason to wait for that lock (the token cache's
	// entries): path may be missing for a moment while it is replaced,
	// and is never seen half-written. Where the system allows it (Linux),
	// the data goes to a file with no name that takes path's name once
	// complete: an interrupted write, even by SIGKILL, leaves nothing
	// behind, with no signal handler to install (installing one cost a
	// cold 'get' about 0.3 ms, more than its file writes).
	Locked bool
}

// TempPattern matches the temporary files of interrupted writes.
const TempPattern = ".*.tmp-*"

// testHookBeforePublish runs, in tests, when the temporary file is
// complete and about to be published.
var testHookBeforePublish func()

// WriteWith writes data to path as Write does, with the options o.
func WriteWith(path string, data []byte, o Options) (err error) {
	if o.Locked && !o.NoReplace {
		if done, err := writeUnnamed(path, data, !o.NoSync); done {
			return err
		}
	}
	dir := filepath.Dir(path)
	// The handler is in place before the temporary file exists, and stays
	// until the file is renamed or removed: no signal finds it unguarded.
	guard := &tempGuard{}
	// Under a supervisor (signals.Supervised) a signal ends nothing: the
	// write completes or fails, and the deferred remove below takes the
	// temporary file either way.
	if !o.SignalsHeld {
		stop := guard.removeOnSignal(nil)
		defer stop()
	}
	tmp, err := guard.create(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
		}
		// After a link the temporary name is a second name of the
		// published file; after a rename it is gone.
		guard.remove()
	}()
	// CreateTemp already uses 0600 on Unix; Chmod makes it explicit and also
	// covers an inherited umask surprise.
	if err = tmp.Chmod(0o600); err != nil && !isUnsupported(err) {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if !o.NoSync {
		if err = tmp.Sync(); err != nil {
			return err
		}
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if testHookBeforePublish != nil {
		testHookBeforePublish()
	}
	if o.NoReplace {
		return publishNew(tmp.Name(), path, data, !o.NoSync)
	}
	if err = rename(tmp.Name(), path); err == nil {
		guard.set("")
	}
	return err
}

// publishNew gives the complete temporary file its name with link(2),
// which fails rather than replace a file, whoever made it and whenever.
// A file system without hard links (FAT) gets the data through an
// exclusive create instead: still never replacing a file, but visible
// while it is written.
func publishNew(tmp, path string, data []byte, sync bool) error {
	err := os.Link(tmp, path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
	}
	return err
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

// removeOnSignal removes the guarded file, then calls exit (nil: end the
// process with 128+signal, 130, 143 or 129 as shells report them), when
// SIGINT, SIGTERM or SIGHUP arrives before stop. The lock in remove holds
// a signal back while a rename is under way only as long as the rename
// itself.
//
// Under a supervisor (signals.Supervised: 'exec' renewing while its child
// runs) a signal ends nothing, so no handler is needed: the caller removes
// the file when its work ends, and the supervisor waits for that.
func (g *tempGuard) removeOnSignal(exit func(os.Signal)) (stop func()) {
	if signals.Supervised() {
		return func() {}
	}
	if exit == nil {
		exit = exitWithSignal
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

func exitWithSignal(s os.Signal) {
	code := 130
	if n, ok := s.(syscall.Signal); ok {
		code = 128 + int(n)
	}
	os.Exit(code)
}

// CreateTemp creates a temporary file for a secret in dir (pattern as
// os.CreateTemp takes it), mode 0600, for a reader that needs a path. The
// handler is in place before the file exists: until done is called, a
// SIGINT, SIGTERM or SIGHUP removes the file, then calls exit (nil: end the
// process with 128+signal). done removes the file.
func CreateTemp(dir, pattern string, exit func(os.Signal)) (f *os.File, done func(), err error) {
	g := &tempGuard{}
	stop := g.removeOnSignal(exit)
	done = func() {
		g.remove()
		stop()
	}
	if f, err = g.create(dir, pattern); err != nil {
		stop()
		return nil, nil, err
	}
	// CreateTemp's mode already; Windows keeps the folder's ACL.
	if err = f.Chmod(0o600); err != nil && !isUnsupported(err) {
		f.Close()
		done()
		return nil, nil, err
	}
	return f, done, nil
}
