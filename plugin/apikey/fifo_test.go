//go:build unix

package apikey

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/kp-token/kp-token/plugin/failure"
)

// A key file whose size the system does not know (a pipe, as with
// --apikey @<(pass show key)) is read to its end, and one that never ends
// is refused at the limit instead of filling the memory.
func TestKeyFileOfUnknownSize(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		_, _ = f.WriteString(key + "\n")
		f.Close()
	}()
	if k, err := FromFlag("@"+fifo, nil); err != nil || k.Value != key {
		t.Fatalf("FromFlag(@fifo) = %q, %v", k.Value, err)
	}
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := FromFlag("@/dev/zero", nil)
	if f, ok := failure.As(err); !ok || f.Cause != "apikey_file_too_large" {
		t.Fatalf("FromFlag(@/dev/zero) = %v", err)
	}
}
