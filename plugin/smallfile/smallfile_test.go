package smallfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, size int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bytes.Repeat([]byte("k"), size), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		path    string
		limit   int
		size    int // of the content, when read
		wantErr error
	}{
		{"empty", write("empty", 0), 10, 0, nil},
		{"small", write("small", 57), 100, 57, nil},
		{"at the limit", write("at", 100), 100, 100, nil},
		{"one over the limit", write("over", 101), 100, 0, ErrTooLarge},
		{"over the first buffer", write("big", 5000), 64 << 10, 5000, nil},
		{"far over the limit", write("far", 70000), 64 << 10, 0, ErrTooLarge},
		{"missing", filepath.Join(dir, "missing"), 10, 0, fs.ErrNotExist},
		{"directory", dir, 10, 0, ErrIsDir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(tt.path, tt.limit)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Read = %v, want %v", err, tt.wantErr)
			}
			if err == nil && len(got) != tt.size {
				t.Fatalf("Read = %d bytes, want %d", len(got), tt.size)
			}
		})
	}
}

// The error for a file that cannot be opened reads as os.Open's, since
// messages show it as their detail.
func TestReadErrorAsOS(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	_, want := os.Open(missing)
	_, got := Read(missing, 10)
	if got == nil || got.Error() != want.Error() {
		t.Fatalf("Read error %q, os.Open's %q", got, want)
	}
}
