//go:build !windows

package tokendir

import (
	"errors"
	"os"
	"syscall"
)

// fileLock is an exclusive flock on a run's lock file, opened without
// following a symlink. The kernel drops it when its process ends, however
// it ends: a lock nobody holds is a run that is gone.
type fileLock struct{ f *os.File }

// createLock creates the lock file, which must not exist, and locks it.
func createLock(path string) (*fileLock, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, err
	}
	l := &fileLock{f: f}
	if ok, err := l.tryLock(); err != nil || !ok {
		l.close()
		if err == nil {
			err = errors.New("lock taken")
		}
		return nil, err
	}
	return l, nil
}

// openLock opens an existing lock file.
func openLock(path string) (*fileLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	return &fileLock{f: f}, nil
}

// tryLock takes the lock if it is free.
func (l *fileLock) tryLock() (bool, error) {
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

// release unlocks and closes.
func (l *fileLock) release() {
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.close()
}

func (l *fileLock) close() { _ = l.f.Close() }

// ownedByMe reports whether this user owns the file.
func ownedByMe(st os.FileInfo) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	return !ok || int(sys.Uid) == os.Geteuid()
}

// openNoFollow opens a file for reading, failing on a symlink.
func openNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
}
