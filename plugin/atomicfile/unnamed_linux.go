package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// writeUnnamed writes data to a file with no name in path's folder
// (O_TMPFILE) and then gives the complete file path's name, removing the
// file that had it. A process that dies before leaves nothing: the kernel
// frees a file that has no name. done is false, with nothing changed,
// when the system offers no such file (an old kernel, a file system
// without O_TMPFILE, no /proc): the caller then writes the usual way.
func writeUnnamed(path string, data []byte, sync bool) (done bool, err error) {
	fd, err := unix.Open(filepath.Dir(path), unix.O_WRONLY|unix.O_TMPFILE|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return false, nil
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	// As for a named temporary file: explicit, whatever the umask.
	if err := f.Chmod(0o600); err != nil {
		return true, err
	}
	if _, err := f.Write(data); err != nil {
		return true, err
	}
	if sync {
		if err := f.Sync(); err != nil {
			return true, err
		}
	}
	if testHookBeforePublish != nil {
		testHookBeforePublish()
	}
	// The file's own link in /proc names it; linkat cannot replace a
	// name, so the old file goes first (a symlink planted there included:
	// unlink removes the link, never its target).
	self := "/proc/self/fd/" + strconv.Itoa(fd)
	link := func() error { return unix.Linkat(unix.AT_FDCWD, self, unix.AT_FDCWD, path, unix.AT_SYMLINK_FOLLOW) }
	err = link()
	if errors.Is(err, unix.EEXIST) {
		if err = unix.Unlink(path); err == nil || errors.Is(err, unix.ENOENT) {
			err = link()
		}
		return true, err
	}
	if err != nil {
		return false, nil // no /proc: nothing was changed
	}
	return true, nil
}
