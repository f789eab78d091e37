// Package atomicfile writes files that hold secrets: mode 0600, and either
// the whole new content or the old file, never a half-written one.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces path with data. The data goes to a temporary file in the
// same directory (so the rename stays on one file system), is synced, gets
// mode 0600 and is renamed over path.
func Write(path string, data []byte) error { return write(path, data, true) }

// WriteNoSync is Write without the fsync, for files whose loss in a crash
// costs nothing but a redo (cache entries, which are checked when read).
func WriteNoSync(path string, data []byte) error { return write(path, data, false) }

func write(path string, data []byte, sync bool) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
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
