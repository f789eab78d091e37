//go:build !windows

package atomicfile

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/signals"
)

// TestSignalsHeld: with SignalsHeld a signal during the write is the
// caller's to act on: the process goes on, the write completes, and no
// temporary file is left.
func TestSignalsHeld(t *testing.T) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	defer signal.Stop(ch)
	dir := t.TempDir()
	path := filepath.Join(dir, "key.json")
	testHookBeforePublish = func() {
		_ = syscall.Kill(os.Getpid(), syscall.SIGHUP)
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Error("the caller did not get the signal")
		}
	}
	defer func() { testHookBeforePublish = nil }()
	if err := WriteWith(path, []byte("secret"), Options{NoReplace: true, SignalsHeld: true}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "secret" {
		t.Fatalf("content %q", b)
	}
	if l := temps(t, dir); len(l) != 0 {
		t.Fatalf("left behind: %v", l)
	}
}

// TestSignalDuringWrite runs a write in a child process that signals
// itself before the file is published: the child exits 128+signal and
// leaves no temporary file.
func TestSignalDuringWrite(t *testing.T) {
	if dir := os.Getenv("ATOMICFILE_TEST_DIR"); dir != "" {
		sig := map[string]syscall.Signal{"INT": syscall.SIGINT, "TERM": syscall.SIGTERM, "HUP": syscall.SIGHUP}[os.Getenv("ATOMICFILE_TEST_SIGNAL")]
		testHookBeforePublish = func() {
			_ = syscall.Kill(os.Getpid(), sig)
			time.Sleep(5 * time.Second)
		}
		_ = Write(filepath.Join(dir, "key.json"), []byte("secret"))
		os.Exit(0)
	}
	for name, code := range map[string]int{"INT": 130, "TERM": 143, "HUP": 129} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestSignalDuringWrite$")
			cmd.Env = append(os.Environ(), "ATOMICFILE_TEST_DIR="+dir, "ATOMICFILE_TEST_SIGNAL="+name)
			err := cmd.Run()
			got := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				got = ee.ExitCode()
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					got = 128 + int(ws.Signal()) + 1000 // killed, not exited
				}
			}
			if got != code {
				t.Fatalf("exit %d, want %d (err %v)", got, code, err)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 0 {
				t.Fatalf("left behind: %v", entries)
			}
		})
	}
}

// TestSignalUnderSupervisor: while a supervisor holds the signals
// (signals.Supervise: 'exec' renewing while its command runs), a signal
// during a write ends nothing: the write completes, and no temporary file
// stays.
func TestSignalUnderSupervisor(t *testing.T) {
	if dir := os.Getenv("ATOMICFILE_TEST_SUPERVISED"); dir != "" {
		defer signals.Supervise()()
		supervisor := make(chan os.Signal, 1)
		signals.Notify(supervisor, syscall.SIGINT)
		testHookBeforePublish = func() {
			_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
			<-supervisor
			time.Sleep(200 * time.Millisecond)
		}
		if err := Write(filepath.Join(dir, "key.json"), []byte("secret")); err != nil {
			os.Exit(3)
		}
		os.Exit(0)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSignalUnderSupervisor$")
	cmd.Env = append(os.Environ(), "ATOMICFILE_TEST_SUPERVISED="+dir)
	if err := cmd.Run(); err != nil {
		t.Fatalf("the write under a supervisor did not complete: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "key.json")); string(b) != "secret" {
		t.Fatalf("content %q", b)
	}
	if l := temps(t, dir); len(l) != 0 {
		t.Fatalf("left behind: %v", l)
	}
}
