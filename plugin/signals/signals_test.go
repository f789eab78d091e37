//go:build !windows

package signals

import (
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// An ignored signal stays ignored through Notify and Stop, where
// os/signal alone would forget it (the nohup case).
func TestIgnoredSignalStaysIgnored(t *testing.T) {
	signal.Ignore(syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Reset(syscall.SIGUSR1, syscall.SIGUSR2)

	ch := make(chan os.Signal, 1)
	Notify(ch, syscall.SIGUSR1)
	signal.Stop(ch)
	if !signal.Ignored(syscall.SIGUSR1) || !IgnoredAtStart(syscall.SIGUSR1) {
		t.Fatal("SIGUSR1 was ignored at start and must stay ignored")
	}

	// What this package prevents: os/signal forgets the ignored state.
	signal.Notify(ch, syscall.SIGUSR2)
	signal.Stop(ch)
	if signal.Ignored(syscall.SIGUSR2) {
		t.Skip("os/signal now keeps the ignored state by itself")
	}
}

func TestNotifyDeliversSignalsNotIgnored(t *testing.T) {
	ch := make(chan os.Signal, 1)
	Notify(ch, syscall.SIGWINCH)
	defer signal.Stop(ch)
	if IgnoredAtStart(syscall.SIGWINCH) {
		t.Fatal("SIGWINCH is not ignored")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGWINCH); err != nil {
		t.Fatal(err)
	}
	if s := <-ch; s != syscall.SIGWINCH {
		t.Fatalf("got %v", s)
	}
}

// Every package asks for signals through this one: a direct signal.Notify
// elsewhere would un-ignore a signal the process was started with ignored.
func TestNoDirectNotify(t *testing.T) {
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			filepath.Base(filepath.Dir(path)) == "signals" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), "signal.Notify(") {
			t.Errorf("%s calls signal.Notify: use signals.Notify", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
