//go:build unix

package smallfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A file whose size the system does not know (a pipe, /proc) is read to
// its end all the same.
func TestReadUnsizedFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	content := strings.Repeat("x", 3000)
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		_, _ = f.WriteString(content)
		f.Close()
	}()
	got, err := Read(fifo, 64<<10)
	if err != nil || string(got) != content {
		t.Fatalf("Read(fifo) = %d bytes, %v", len(got), err)
	}
	if _, err := Read(fifo+"x", 1); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
}
