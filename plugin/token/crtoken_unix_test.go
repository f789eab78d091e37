//go:build unix

package token

import (
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/signals"
)

const testCRToken = "eyJhbGciOiJSUzI1NiJ9.cr-token.c2lnbmF0dXJl"

func TestCRTokenFileIsAPipe(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, tok := range []string{testCRToken, strings.Repeat("a", 64<<10)} { // 64 KiB: more than a pipe holds on macOS
		name, done, err := crTokenFile(tok)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(name, "/dev/fd/") {
			t.Fatalf("not a pipe: %s", name)
		}
		got, err := os.ReadFile(name)
		done()
		if err != nil || string(got) != tok {
			t.Fatalf("read %d bytes, %v", len(got), err)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("files were written: %v", left)
	}
	// go-sdk-core may never read it (a profile it refuses): done must not
	// leave the writer blocked on a full pipe.
	before := runtime.NumGoroutine()
	_, done, err := crTokenFile(strings.Repeat("b", 256<<10))
	if err != nil {
		t.Fatal(err)
	}
	done()
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the writer of an unread pipe stayed blocked")
		}
	}
}

// withoutDevFD makes crTokenFile fall back to the guarded copy, as on a
// system without /dev/fd (and on Windows).
func withoutDevFD(t *testing.T) string {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	old := devFD
	devFD = filepath.Join(tmp, "no-dev-fd") + "/"
	t.Cleanup(func() { devFD = old })
	return tmp
}

func TestCRTokenTempCopy(t *testing.T) {
	tmp := withoutDevFD(t)
	name, done, err := crTokenFile(testCRToken)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(name) != tmp || !strings.HasPrefix(filepath.Base(name), ".kp-token-cr-") {
		t.Fatalf("copy at %s", name)
	}
	if st, err := os.Stat(name); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("copy: %v, %v", st, err)
	}
	if got, _ := os.ReadFile(name); string(got) != testCRToken {
		t.Fatalf("copy holds %q", got)
	}
	done()
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Fatalf("copy not removed: %v", err)
	}
}

func TestCRTokenTempCopyGoneOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			withoutDevFD(t)
			got := make(chan os.Signal, 1)
			old := exitOnSignal
			exitOnSignal = func(s os.Signal) { got <- s }
			defer func() { exitOnSignal = old }()
			name, done, err := crTokenFile(testCRToken)
			if err != nil {
				t.Fatal(err)
			}
			defer done()
			if err := syscall.Kill(os.Getpid(), sig); err != nil {
				t.Fatal(err)
			}
			select {
			case s := <-got:
				if s != sig {
					t.Fatalf("exit for %v, want %v", s, sig)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the signal did not end the run")
			}
			if _, err := os.Stat(name); !os.IsNotExist(err) {
				t.Fatalf("copy not removed before the exit: %v", err)
			}
		})
	}
}

// TestCRTokenTempCopyUnderSupervisor: while 'exec' holds the signals
// (signals.Supervise), a Ctrl-C during an exchange is the command's to
// decide and ends nothing; the copy goes when the exchange is done.
func TestCRTokenTempCopyUnderSupervisor(t *testing.T) {
	withoutDevFD(t)
	defer signals.Supervise()()
	supervisor := make(chan os.Signal, 1)
	signals.Notify(supervisor, syscall.SIGINT)
	defer signal.Stop(supervisor)
	got := make(chan os.Signal, 1)
	old := exitOnSignal
	exitOnSignal = func(s os.Signal) { got <- s }
	defer func() { exitOnSignal = old }()
	name, done, err := crTokenFile(testCRToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	<-supervisor
	select {
	case s := <-got:
		t.Fatalf("%v ended the run under a supervisor", s)
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := os.Stat(name); err != nil {
		t.Fatalf("the copy went before the exchange was done: %v", err)
	}
	done()
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Fatalf("copy not removed: %v", err)
	}
}
