package cache

import (
	"os"

	"github.com/gofrs/flock"
)

// fileLock is gofrs/flock's lock (LockFileEx) on Windows.
type fileLock struct{ fl *flock.Flock }

func openLock(path string) (*fileLock, error) { return &fileLock{fl: flock.New(path)}, nil }

func (l *fileLock) tryLock() (bool, error) { return l.fl.TryLock() }

func (l *fileLock) unlock() { _ = l.fl.Unlock() }

func (l *fileLock) close() { _ = l.fl.Close() }

// ownedByMe: the profile folder the plug-in directory lives in is the
// user's own on Windows.
func ownedByMe(os.FileInfo) bool { return true }
