package privatefs

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestDir(t *testing.T) {
	base := t.TempDir()
	t.Run("created 0700 with its parents", func(t *testing.T) {
		dir := filepath.Join(base, "a", "b")
		if err := Dir(dir); err != nil {
			t.Fatal(err)
		}
		st, err := os.Lstat(dir)
		if err != nil || !Private(st) {
			t.Fatalf("%v %v", st.Mode(), err)
		}
	})
	if runtime.GOOS == "windows" {
		return
	}
	t.Run("a loose mode is tightened", func(t *testing.T) {
		dir := filepath.Join(base, "loose")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := Dir(dir); err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Lstat(dir); st.Mode().Perm() != 0o700 {
			t.Fatalf("mode %v", st.Mode())
		}
	})
	t.Run("a symlink is refused, its target untouched", func(t *testing.T) {
		target := filepath.Join(base, "target")
		if err := os.Mkdir(target, 0o755); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(base, "link")
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		err := Dir(link)
		var unsafe *UnsafeError
		if !errors.As(err, &unsafe) || !errors.Is(err, ErrUnsafe) || unsafe.Dir != link {
			t.Fatalf("err = %v", err)
		}
		if st, _ := os.Stat(target); st.Mode().Perm() != 0o755 {
			t.Fatalf("the target's mode changed: %v", st.Mode())
		}
	})
	t.Run("a file is refused", func(t *testing.T) {
		file := filepath.Join(base, "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := Dir(file); !errors.Is(err, ErrUnsafe) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestLocks(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".lock")
	l, err := CreateLock(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CreateLock(path); err == nil {
		t.Fatal("a second CreateLock of the same file succeeded")
	}
	other, err := OpenLock(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := other.TryLock(); ok || err != nil {
		t.Fatalf("a held lock was taken again: %v %v", ok, err)
	}
	l.Release()
	if ok, err := other.TryLock(); !ok || err != nil {
		t.Fatalf("a released lock could not be taken: %v %v", ok, err)
	}
	other.Release()

	if _, err := OpenLock(filepath.Join(dir, "missing"), false); err == nil {
		t.Fatal("OpenLock without create made a file")
	}
	if runtime.GOOS == "windows" {
		return
	}
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenLock(link, true); err == nil {
		t.Fatal("a lock file that is a symlink was opened")
	}
	if _, err := OpenNoFollow(link); err == nil {
		t.Fatal("OpenNoFollow followed a symlink")
	}
}
