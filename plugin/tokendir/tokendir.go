// Package tokendir keeps a token where a long job can read it again and
// again: 'exec' gives its command KP_HEADERS_FILE (the two lines of
// 'get --output header', for curl -H @FILE) and KP_ACCESS_TOKEN_FILE (the
// 'Bearer ...' value), and renews them while the command runs (Keeper).
//
// The files live in a private directory (0700, files 0600) of their own,
// inside a folder of the plug-in's directory, never in a shared temporary
// folder. Each file is replaced whole (a temporary file in the same
// directory, renamed over it): a reader sees the old token or the new one,
// never part of one. The directory goes when the run ends; a run that could
// not remove it (kill -9) leaves it locked by nobody, and a later run
// removes it once its token has expired: until then the killed run's
// command, which outlives it, may still be reading it.
package tokendir

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kp-token/kp-token/plugin/atomicfile"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/privatefs"
	"github.com/kp-token/kp-token/plugin/token"
)

// File names inside a run's directory.
const (
	HeadersName = "headers"
	TokenName   = "token"
	lockName    = ".lock"
	// prefix names the run directories; nothing else in the folder is
	// ever touched.
	prefix = "run-"
)

// newbornGrace is how long a directory that holds no token yet is left
// alone: a run that has just made it and not yet locked it or written its
// files.
const newbornGrace = time.Minute

// maxTokenFile bounds what is read of a leftover's token file.
const maxTokenFile = 64 << 10

// Dir is one run's private directory.
type Dir struct {
	// Path is the directory.
	Path string

	mu     sync.Mutex
	lock   *privatefs.Lock
	closed bool
}

// Create makes a new private directory in base (created 0700 when
// missing), locked for as long as the run lasts. It first removes what
// killed runs left in base (Sweep).
func Create(base string, now time.Time) (*Dir, error) {
	if err := openBase(base); err != nil {
		return nil, dirFailure(base, err)
	}
	Sweep(base, now)
	path, err := os.MkdirTemp(base, prefix+"*")
	if err != nil {
		return nil, dirFailure(base, err)
	}
	l, err := privatefs.CreateLock(filepath.Join(path, lockName))
	if err != nil {
		_ = os.RemoveAll(path)
		return nil, dirFailure(base, err)
	}
	return &Dir{Path: path, lock: l}, nil
}

// HeadersFile is the file that holds the two header lines.
func (d *Dir) HeadersFile() string { return filepath.Join(d.Path, HeadersName) }

// TokenFile is the file that holds the 'Bearer ...' value.
func (d *Dir) TokenFile() string { return filepath.Join(d.Path, TokenName) }

// Write replaces both files with t: the token file holds t.Bearer()
// exactly (no line break: the same value as KP_ACCESS_TOKEN), the headers
// file what 'get --output header' prints for the instance.
func (d *Dir) Write(t token.Token, instanceID string) error {
	var headers bytes.Buffer
	p := &output.Printer{Out: &headers, Format: output.Header}
	if err := p.Token(t, output.Target{InstanceID: instanceID}); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return d.writeFailure(fs.ErrClosed)
	}
	// The caller holds the signals ('exec' decides what they mean), and a
	// lost file costs nothing after a crash: the run is gone with it.
	o := atomicfile.Options{NoSync: true, SignalsHeld: true}
	if err := atomicfile.WriteWith(d.TokenFile(), []byte(t.Bearer()), o); err != nil {
		return d.writeFailure(err)
	}
	if err := atomicfile.WriteWith(d.HeadersFile(), headers.Bytes(), o); err != nil {
		return d.writeFailure(err)
	}
	return nil
}

// Remove removes the directory and its files; calling it again does
// nothing.
func (d *Dir) Remove() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	// Windows removes no file that is open: the lock goes first. Nobody
	// takes it meanwhile: a sweeping run that did would find the token
	// still valid and leave the directory, or expired and remove it too.
	d.lock.Release()
	return os.RemoveAll(d.Path)
}

func (d *Dir) writeFailure(err error) error {
	return failure.New("exec_files_write_failed", map[string]any{"Path": d.Path}).
		WithRemedy("exec_files_remedy", nil).Wrap(err).WithDetail(err.Error())
}

func dirFailure(base string, err error) error {
	f := failure.New("exec_files_dir_failed", map[string]any{"Path": base}).WithRemedy("exec_files_remedy", nil).Wrap(err)
	var unsafe *privatefs.UnsafeError
	if !errors.As(err, &unsafe) {
		f.WithDetail(err.Error())
	}
	return f
}

// openBase makes sure base is a private folder of this user's (privatefs).
func openBase(base string) error { return privatefs.Dir(base) }

// Sweep removes from base the directories of runs that ended without
// removing them (kill -9, a crash, a power cut): those no live run holds
// locked, once the token they hold has expired, or, holding no token, once
// they are older than a minute. It follows no symlink and touches only
// this user's directories named as runs name them. It reports what it
// removed.
func Sweep(base string, now time.Time) (removed []string) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) || e.Type()&fs.ModeSymlink != 0 || !e.IsDir() {
			continue
		}
		path := filepath.Join(base, e.Name())
		if sweepOne(path, now) {
			removed = append(removed, path)
		}
	}
	return removed
}

// sweepOne removes one leftover if it is one; see Sweep.
func sweepOne(path string, now time.Time) bool {
	st, err := os.Lstat(path)
	if err != nil || !privatefs.Usable(st) {
		return false
	}
	var held *privatefs.Lock
	l, err := privatefs.OpenLock(filepath.Join(path, lockName), false)
	switch {
	case err == nil:
		if ok, err := l.TryLock(); err != nil || !ok {
			l.Close()
			return false // a live run's
		}
		held = l
	case !errors.Is(err, fs.ErrNotExist):
		return false
	}
	done := false
	if exp, ok := expiry(filepath.Join(path, TokenName)); ok {
		// Until then the command of the run that was killed, which
		// outlives it, may still read it.
		done = !now.Before(exp)
	} else {
		// No token yet: a run that is about to lock it and write one, or
		// one killed before it could.
		done = now.Sub(st.ModTime()) >= newbornGrace
	}
	if held != nil {
		held.Release()
	}
	return done && os.RemoveAll(path) == nil
}

// expiry is the exp claim of the token in a leftover's token file.
func expiry(path string) (time.Time, bool) {
	f, err := privatefs.OpenNoFollow(path)
	if err != nil {
		return time.Time{}, false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxTokenFile))
	if err != nil {
		return time.Time{}, false
	}
	exp, err := token.ExpiryClaim(string(b))
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(exp, 0), true
}
