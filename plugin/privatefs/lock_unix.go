//go:build !windows

package privatefs

import (
	"errors"
	"os"
	"syscall"
)

// Lock is an exclusive flock on a lock file opened without following a
// symlink: a lock file replaced by a link cannot make kp-token create or
// lock the link's target. The kernel drops the lock when its process ends,
// however it ends.
type Lock struct{ f *os.File }

// OpenLock opens path's lock file, creating it (0600) when create is set.
func OpenLock(path string, create bool) (*Lock, error) {
	flags := os.O_RDWR | syscall.O_NOFOLLOW
	if create {
		flags |= os.O_CREATE
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return nil, err
	}
	return &Lock{f: f}, nil
}

// CreateLock creates path's lock file, which must not exist, and takes it.
func CreateLock(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, err
	}
	return takeNew(&Lock{f: f})
}

// TryLock takes the lock if it is free.
func (l *Lock) TryLock() (bool, error) {
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

// Release unlocks and closes.
func (l *Lock) Release() {
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.Close()
}

// Close closes the lock file; a lock it held goes with it.
func (l *Lock) Close() { _ = l.f.Close() }

// OpenNoFollow opens a file for reading, failing on a symlink.
func OpenNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
}

func ownedByMe(st os.FileInfo) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	return !ok || int(sys.Uid) == os.Geteuid()
}
