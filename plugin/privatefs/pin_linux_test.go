package privatefs

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPinnedFolderCannotComeBack: a library writing under the pinned name
// after the folder was removed (as the SDK's config reader does, MkdirAll
// then a write) leaves nothing behind; under the folder's own name it
// would make the folder again.
func TestPinnedFolderCannotComeBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "copy")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc here")
	}
	name, release := Pin(dir)
	defer release()
	if name == dir {
		t.Fatal("Pin gave the folder's own name where /proc is mounted")
	}
	if err := os.WriteFile(filepath.Join(name, "config.json"), []byte("{}"), 0o600); err != nil {
		t.Fatalf("the pinned name does not reach the folder: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err != nil {
		t.Fatalf("the file written under the pinned name is not in the folder: %v", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	_ = os.MkdirAll(filepath.Dir(filepath.Join(name, "config.json")), 0o700)
	if err := os.WriteFile(filepath.Join(name, "config.json"), []byte("secret"), 0o600); err == nil {
		t.Fatal("a file was written into the removed folder")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the removed folder came back: %v", err)
	}
	// The contrast that makes the pin worth having: the folder's own name.
	_ = os.MkdirAll(dir, 0o700)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("MkdirAll under the plain name did not make the folder again (the test's premise): %v", err)
	}
}
