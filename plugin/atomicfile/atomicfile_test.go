package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func temps(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, TempPattern))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestNoReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "key.json")
	if err := WriteWith(path, []byte("new"), Options{NoReplace: true}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	if string(b) != "new" || (runtime.GOOS != "windows" && st.Mode().Perm() != 0o600) {
		t.Fatalf("content %q mode %v", b, st.Mode())
	}
	if err := WriteWith(path, []byte("other"), Options{NoReplace: true}); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("err = %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Fatalf("the existing file was changed: %q", b)
	}
	if l := temps(t, dir); len(l) != 0 {
		t.Fatalf("left behind: %v", l)
	}
}

// TestNoReplaceRace: a file that appears after the caller's check and
// while the data is written is not replaced.
func TestNoReplaceRace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "key.json")
	testHookBeforePublish = func() { _ = os.WriteFile(path, []byte("user's"), 0o600) }
	defer func() { testHookBeforePublish = nil }()
	if err := WriteWith(path, []byte("secret"), Options{NoReplace: true, SignalsHeld: true}); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("err = %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "user's" {
		t.Fatalf("the file that appeared was changed: %q", b)
	}
	if l := temps(t, dir); len(l) != 0 {
		t.Fatalf("left behind: %v", l)
	}
}
