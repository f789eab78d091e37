// Package privatefs holds what kp-token keeps in the plug-in's folder for
// this user alone (the token cache, exec's token files): a private folder,
// files opened without following a symlink, and cross-process locks on
// them. A symlink planted in the folder's place, or a folder someone else
// owns, is refused rather than used.
package privatefs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrUnsafe is a folder kp-token will not keep secrets in: a symlink, not
// a folder, or someone else's.
var ErrUnsafe = errors.New("folder is not safe to use")

// UnsafeError is ErrUnsafe for the folder Dir.
type UnsafeError struct{ Dir string }

func (e *UnsafeError) Error() string        { return ErrUnsafe.Error() + ": " + e.Dir }
func (e *UnsafeError) Is(target error) bool { return target == ErrUnsafe }

// Dir makes sure dir is a private folder of this user's: created 0700
// (with its parents) when missing, never a symlink or someone else's, its
// mode tightened to 0700 when looser.
func Dir(dir string) error {
	if dir == "" {
		return errors.New("no folder")
	}
	// The folder is there and safe on every run but the first: one call.
	if st, err := os.Lstat(dir); err == nil && Private(st) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !Usable(st) {
		return &UnsafeError{Dir: dir}
	}
	if st.Mode().Perm()&0o077 != 0 {
		return os.Chmod(dir, 0o700)
	}
	return nil
}

// Usable reports whether st (from Lstat) is a folder of this user's, not a
// symlink, whatever its mode.
func Usable(st fs.FileInfo) bool {
	return st.IsDir() && st.Mode()&fs.ModeSymlink == 0 && ownedByMe(st)
}

// Private reports whether st (from Lstat) is a folder of this user's that
// only this user can reach.
func Private(st fs.FileInfo) bool { return Usable(st) && st.Mode().Perm()&0o077 == 0 }
