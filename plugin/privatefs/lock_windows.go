package privatefs

import (
	"io/fs"
	"os"

	"github.com/gofrs/flock"
)

// Lock is gofrs/flock's lock (LockFileEx); Windows drops it when its
// process ends, however it ends.
type Lock struct{ fl *flock.Flock }

// OpenLock opens path's lock file (not a symlink), creating it when create
// is set.
func OpenLock(path string, create bool) (*Lock, error) {
	if !create {
		if err := regular(path); err != nil {
			return nil, err
		}
	}
	return &Lock{fl: flock.New(path)}, nil
}

// CreateLock creates path's lock file, which must not exist, and takes it.
func CreateLock(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	_ = f.Close()
	return takeNew(&Lock{fl: flock.New(path)})
}

// TryLock takes the lock if it is free.
func (l *Lock) TryLock() (bool, error) { return l.fl.TryLock() }

// Release unlocks and closes.
func (l *Lock) Release() { _ = l.fl.Unlock(); l.Close() }

// Close closes the lock file; a lock it held goes with it.
func (l *Lock) Close() { _ = l.fl.Close() }

// OpenNoFollow opens a file for reading, failing on a symlink.
func OpenNoFollow(path string) (*os.File, error) {
	if err := regular(path); err != nil {
		return nil, err
	}
	return os.Open(path)
}

func regular(path string) error {
	st, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fs.ErrInvalid
	}
	return nil
}

// ownedByMe: the profile folder the plug-in directory lives in is the
// user's own on Windows.
func ownedByMe(os.FileInfo) bool { return true }
