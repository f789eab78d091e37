package tokendir

import (
	"errors"
	"io/fs"
	"os"

	"github.com/gofrs/flock"
)

// fileLock is gofrs/flock's lock (LockFileEx) on a run's lock file; Windows
// drops it when its process ends, however it ends.
type fileLock struct{ fl *flock.Flock }

// createLock creates the lock file, which must not exist, and locks it.
func createLock(path string) (*fileLock, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	_ = f.Close()
	l := &fileLock{fl: flock.New(path)}
	if ok, err := l.tryLock(); err != nil || !ok {
		l.close()
		if err == nil {
			err = errors.New("lock taken")
		}
		return nil, err
	}
	return l, nil
}

// openLock opens an existing lock file (not a symlink).
func openLock(path string) (*fileLock, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fs.ErrInvalid
	}
	return &fileLock{fl: flock.New(path)}, nil
}

func (l *fileLock) tryLock() (bool, error) { return l.fl.TryLock() }

func (l *fileLock) release() { _ = l.fl.Unlock(); l.close() }

func (l *fileLock) close() { _ = l.fl.Close() }

// ownedByMe: the profile folder the plug-in directory lives in is the
// user's own on Windows.
func ownedByMe(os.FileInfo) bool { return true }

// openNoFollow opens a file for reading, failing on a symlink.
func openNoFollow(path string) (*os.File, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fs.ErrInvalid
	}
	return os.Open(path)
}
