//go:build windows

package atomicfile

import (
	"os"
	"time"
)

// rename retries briefly: on Windows a reader holding the target open makes
// MoveFileEx fail with an access error for a moment.
func rename(from, to string) error {
	var err error
	for i := 0; i < 20; i++ {
		if err = os.Rename(from, to); err == nil {
			return nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	return err
}

// Chmod on Windows only toggles the read-only bit; the file's ACL is
// inherited from the directory, which is the user's own.
func isUnsupported(error) bool { return true }
