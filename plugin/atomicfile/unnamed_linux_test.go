package atomicfile

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestLocked: a locked write creates or replaces the file, 0600, replaces a
// symlink rather than writing through it, and leaves nothing else in the
// folder.
func TestLocked(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before func(t *testing.T, path string)
	}{
		{"new", func(*testing.T, string) {}},
		{"replaces", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"symlink", func(t *testing.T, path string) {
			if err := os.Symlink(filepath.Join(filepath.Dir(path), "target"), path); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "entry.json")
			tc.before(t, path)
			if err := WriteWith(path, []byte("secret"), Options{NoSync: true, Locked: true}); err != nil {
				t.Fatal(err)
			}
			st, err := os.Lstat(path)
			if err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o600 {
				t.Fatalf("stat %v, %v: want a regular file, 0600", st, err)
			}
			if b, _ := os.ReadFile(path); string(b) != "secret" {
				t.Fatalf("content %q", b)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Fatalf("the folder holds %v, want only the file (no symlink's target)", entries)
			}
		})
	}
}

// TestKilledDuringLockedWrite runs a locked write in a child process that
// is killed, by a signal it cannot catch too, when the data is written
// and not yet published: nothing is left behind, and the file that was
// there stays whole.
func TestKilledDuringLockedWrite(t *testing.T) {
	if dir := os.Getenv("ATOMICFILE_TEST_LOCKED_DIR"); dir != "" {
		sig := map[string]syscall.Signal{"INT": syscall.SIGINT, "TERM": syscall.SIGTERM, "KILL": syscall.SIGKILL}[os.Getenv("ATOMICFILE_TEST_SIGNAL")]
		testHookBeforePublish = func() {
			_ = syscall.Kill(os.Getpid(), sig)
			time.Sleep(5 * time.Second)
		}
		_ = WriteWith(filepath.Join(dir, "entry.json"), []byte("new secret"), Options{NoSync: true, Locked: true})
		os.Exit(0)
	}
	for _, name := range []string{"INT", "TERM", "KILL"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "entry.json")
			if err := os.WriteFile(path, []byte("old secret"), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestKilledDuringLockedWrite$")
			cmd.Env = append(os.Environ(), "ATOMICFILE_TEST_LOCKED_DIR="+dir, "ATOMICFILE_TEST_SIGNAL="+name)
			var ee *exec.ExitError
			if err := cmd.Run(); !errors.As(err, &ee) {
				t.Fatalf("the child was not stopped: %v", err)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Fatalf("left behind: %v", entries)
			}
			if b, _ := os.ReadFile(path); string(b) != "old secret" {
				t.Fatalf("the file there became %q", b)
			}
		})
	}
}
