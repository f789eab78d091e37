//go:build !windows

package kptoken_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/token"
)

// started is the real binary running in a process group of its own, the
// way a shell's job control runs a foreground job: a signal sent to the
// group is what a terminal sends for Ctrl-C.
type started struct {
	cmd            *exec.Cmd
	Stdout, Stderr bytes.Buffer
}

func start(h *cmdtest.Host, extra map[string]string, stdin string, args ...string) *started {
	h.T.Helper()
	s := &started{cmd: exec.Command(binary, args...)}
	for k, v := range h.Env {
		s.cmd.Env = append(s.cmd.Env, k+"="+v)
	}
	for k, v := range extra {
		s.cmd.Env = append(s.cmd.Env, k+"="+v)
	}
	s.cmd.Stdin = strings.NewReader(stdin)
	s.cmd.Stdout, s.cmd.Stderr = &s.Stdout, &s.Stderr
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	s.cmd.Dir = h.Home // where a command killed by SIGQUIT may leave a core
	if err := s.cmd.Start(); err != nil {
		h.T.Fatal(err)
	}
	h.T.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			_ = s.cmd.Wait()
		}
	})
	return s
}

// wait waits for the process and returns its wait status.
func (s *started) wait(t *testing.T) syscall.WaitStatus {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if _, ok := err.(*exec.ExitError); err != nil && !ok {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-done
		t.Fatalf("kp-token did not end\n--- stdout\n%s--- stderr\n%s", &s.Stdout, &s.Stderr)
	}
	return s.cmd.ProcessState.Sys().(syscall.WaitStatus)
}

// waitFor polls until ok or fails after a while.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestExecSignalsAsATerminalSendsThem(t *testing.T) {
	h := newHost(t)
	key := "@" + h.Write("key", cmdtest.ServiceKey)
	dir := t.TempDir()
	ready, count, out := filepath.Join(dir, "ready"), filepath.Join(dir, "count"), filepath.Join(dir, "out")
	// The command counts the SIGINTs it gets, and reports the count when a
	// SIGTERM ends it. Its sleeps run in the background, where sh ignores
	// SIGINT; wait returns for each trapped signal.
	script := `n=0
trap 'n=$((n+1)); echo $n > "$COUNT"' INT
trap 'echo "INT $n" > "$OUT"; exit 0' TERM
: > "$READY"
while :; do sleep 1 & wait $!; done`
	s := start(h, map[string]string{"READY": ready, "COUNT": count, "OUT": out}, "",
		"exec", "--apikey", key, "--instance-id", cmdtest.InstanceID, "--kp-endpoint", "http://127.0.0.1:9", "--", "sh", "-c", script)
	waitFor(t, "the command to start", func() bool { _, err := os.Stat(ready); return err == nil })

	// Three Ctrl-Cs, each once the last was counted: the terminal signals
	// the whole foreground process group. A copy forwarded by kp-token
	// arrives within a few milliseconds, unless it merges with the
	// terminal's while both are pending, so three tries catch it.
	for i := 1; i <= 3; i++ {
		if err := syscall.Kill(-s.cmd.Process.Pid, syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the command to count a SIGINT", func() bool {
			b, _ := os.ReadFile(count)
			n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			return n >= i
		})
		time.Sleep(200 * time.Millisecond)
	}
	// A supervisor's SIGTERM goes to kp-token alone and must reach the
	// command.
	if err := syscall.Kill(s.cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	ws := s.wait(t)
	got, _ := os.ReadFile(out)
	if string(got) != "INT 3\n" || ws.Signaled() || ws.ExitStatus() != 0 {
		t.Fatalf("want the command to count three SIGINTs, then end on the forwarded SIGTERM, and kp-token to exit 0; got %q, %v\n--- stderr\n%s", got, ws, &s.Stderr)
	}
}

func TestExecDiesOfTheCommandsSignal(t *testing.T) {
	h := newHost(t)
	key := "@" + h.Write("key", cmdtest.ServiceKey)
	tests := []struct {
		sig      syscall.Signal
		signaled bool // else exit 128+N: Go's runtime cannot die of it
	}{
		{syscall.SIGINT, true},
		{syscall.SIGTERM, true},
		{syscall.SIGHUP, true},
		{syscall.SIGKILL, true},
		{syscall.SIGQUIT, false},
		{syscall.SIGUSR1, false},
		{syscall.SIGPIPE, false},
	}
	for _, tt := range tests {
		t.Run(tt.sig.String(), func(t *testing.T) {
			s := start(h, nil, "", "exec", "--apikey", key, "--instance-id", cmdtest.InstanceID, "--kp-endpoint", "http://127.0.0.1:9",
				"--", "sh", "-c", "kill -"+strings.TrimPrefix(signalName(tt.sig), "SIG")+" $$; sleep 5")
			ws := s.wait(t)
			switch {
			case tt.signaled && (!ws.Signaled() || ws.Signal() != tt.sig):
				t.Fatalf("want kp-token to die of %v, got %v (exit %d)\n--- stderr\n%s", tt.sig, ws.Signal(), ws.ExitStatus(), &s.Stderr)
			case !tt.signaled && (ws.Signaled() || ws.ExitStatus() != 128+int(tt.sig)):
				t.Fatalf("want exit %d, got %v\n--- stderr\n%s", 128+int(tt.sig), ws, &s.Stderr)
			}
			if s.Stderr.Len() != 0 {
				t.Fatalf("kp-token wrote to Stderr:\n%s", &s.Stderr)
			}
		})
	}
}

// signalName is the name sh's kill takes.
func signalName(s syscall.Signal) string {
	return map[syscall.Signal]string{syscall.SIGINT: "INT", syscall.SIGTERM: "TERM", syscall.SIGHUP: "HUP", syscall.SIGKILL: "KILL",
		syscall.SIGQUIT: "QUIT", syscall.SIGUSR1: "USR1", syscall.SIGPIPE: "PIPE"}[s]
}

func TestCRTokenCopyGoneAfterSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(signalName(sig), func(t *testing.T) {
			h := newHost(t)
			p := h.WithProfile()
			// IAM holds the exchange until the signal has come.
			h.IAM.SetDelay(time.Minute)
			tmp := t.TempDir()
			s := start(h, map[string]string{"TMPDIR": tmp}, cmdtest.CRToken, "get", "--cr-token", "-", "--profile", p.ID, "--no-cache")
			waitFor(t, "the exchange to reach IAM", func() bool { return h.IAM.Count() > 0 })
			if err := syscall.Kill(s.cmd.Process.Pid, sig); err != nil {
				t.Fatal(err)
			}
			ws := s.wait(t)
			if left, _ := filepath.Glob(filepath.Join(tmp, ".kp-token-cr-*")); len(left) != 0 {
				t.Fatalf("the compute resource token's copy stayed: %v", left)
			}
			if !ws.Signaled() || ws.Signal() != sig {
				t.Fatalf("want kp-token to die of %v: %v\n--- stderr\n%s", sig, ws, &s.Stderr)
			}
		})
	}
}

// TestExecKeepsIgnoredSignalsIgnored: under 'nohup' (SIGHUP ignored), the
// command must ignore SIGHUP as it would without kp-token, and a hangup
// must not reach it through kp-token either.
func TestExecKeepsIgnoredSignalsIgnored(t *testing.T) {
	h := newHost(t)
	key := h.Write("key", cmdtest.ServiceKey)
	sh := exec.Command("sh", "-c", `trap '' HUP; exec "$KP_TOKEN_BINARY" exec --apikey @"$KEY" --instance-id `+cmdtest.InstanceID+
		` --kp-endpoint http://127.0.0.1:9 -- sh -c 'kill -HUP $$; kill -HUP $PPID; sleep 1; echo alive'`)
	for k, v := range h.Env {
		sh.Env = append(sh.Env, k+"="+v)
	}
	sh.Env = append(sh.Env, "KP_TOKEN_BINARY="+binary, "KEY="+key)
	out, err := sh.CombinedOutput()
	if err != nil || string(out) != "alive\n" {
		t.Fatalf("the command did not outlive SIGHUP under nohup: %v\n%s", err, out)
	}
}

// execFilesDirs lists the token files' directories in the plug-in's
// folder.
func execFilesDirs(h *cmdtest.Host) []string {
	left, _ := filepath.Glob(filepath.Join(h.PluginDir(), "exec", "*"))
	return left
}

// TestExecFilesGoneAfterSignal: a Ctrl-C (to the process group, as a
// terminal sends it), or a SIGTERM or SIGHUP sent to kp-token alone, ends
// the command; kp-token removes the token files' directory and then dies
// of the same signal.
func TestExecFilesGoneAfterSignal(t *testing.T) {
	for _, tt := range []struct {
		sig   syscall.Signal
		group bool
	}{{syscall.SIGINT, true}, {syscall.SIGTERM, false}, {syscall.SIGHUP, false}} {
		t.Run(signalName(tt.sig), func(t *testing.T) {
			h := newHost(t)
			key := "@" + h.Write("key", cmdtest.ServiceKey)
			path := filepath.Join(t.TempDir(), "path")
			s := start(h, map[string]string{"OUT": path}, "", "exec", "--apikey", key, "--instance-id", cmdtest.InstanceID,
				"--kp-endpoint", "http://127.0.0.1:9", "--", "sh", "-c", `printf '%s' "$KP_HEADERS_FILE" > "$OUT.tmp" && mv "$OUT.tmp" "$OUT"; exec sleep 30`)
			var headers []byte
			waitFor(t, "the command to start", func() bool { headers, _ = os.ReadFile(path); return len(headers) > 0 })
			if _, err := os.Stat(string(headers)); err != nil {
				t.Fatalf("no headers file while the command runs: %v", err)
			}
			pid := s.cmd.Process.Pid
			if tt.group {
				pid = -pid
			}
			if err := syscall.Kill(pid, tt.sig); err != nil {
				t.Fatal(err)
			}
			ws := s.wait(t)
			if !ws.Signaled() || ws.Signal() != tt.sig {
				t.Fatalf("want kp-token to die of %v, got %v\n--- stderr\n%s", tt.sig, ws, &s.Stderr)
			}
			if _, err := os.Stat(filepath.Dir(string(headers))); !os.IsNotExist(err) {
				t.Fatalf("the token files stayed: %v", err)
			}
			if left := execFilesDirs(h); len(left) != 0 {
				t.Fatalf("left behind: %v", left)
			}
		})
	}
}

// TestExecLeftoverOfKill9: kill -9 leaves the token files behind, with
// the command still running; the next run leaves them while their token
// is valid (the orphaned command may still read them) and removes them
// once it has expired.
func TestExecLeftoverOfKill9(t *testing.T) {
	h := newHost(t)
	h.IAM.TTL = 3 * time.Second
	key := "@" + h.Write("key", cmdtest.ServiceKey)
	path := filepath.Join(t.TempDir(), "path")
	args := []string{"exec", "--apikey", key, "--min-validity", "1s", "--instance-id", cmdtest.InstanceID, "--kp-endpoint", "http://127.0.0.1:9", "--"}
	s := start(h, map[string]string{"OUT": path}, "", append(args, "sh", "-c", `printf '%s' "$KP_ACCESS_TOKEN_FILE" > "$OUT.tmp" && mv "$OUT.tmp" "$OUT"; exec sleep 30 >/dev/null 2>&1`)...)
	// The command outlives kp-token (its output goes elsewhere, so the
	// test's pipes close with kp-token).
	defer syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	var tokenFile []byte
	waitFor(t, "the command to start", func() bool { tokenFile, _ = os.ReadFile(path); return len(tokenFile) > 0 })
	leftover := filepath.Dir(string(tokenFile))
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	s.wait(t)
	tok, err := os.ReadFile(string(tokenFile))
	if err != nil {
		t.Fatalf("kill -9 left no token file: %v", err)
	}
	exp, err := token.ExpiryClaim(string(tok))
	if err != nil {
		t.Fatal(err)
	}

	if r := h.Run("", append(args, "true")...); r.Code != 0 || time.Now().Unix() >= exp {
		t.Fatalf("exec (token expired %v):\n%s", time.Now().Unix() >= exp, r)
	}
	if _, err := os.Stat(string(tokenFile)); err != nil {
		t.Fatalf("the next run removed the files of a token still valid: %v", err)
	}
	time.Sleep(time.Until(time.Unix(exp+1, 0)))
	if r := h.Run("", append(args, "true")...); r.Code != 0 {
		t.Fatalf("exec:\n%s", r)
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Fatalf("the next run left the files of an expired token: %v", err)
	}
	if left := execFilesDirs(h); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}

// TestExecCtrlCDuringRenewal: a Ctrl-C that reaches the command while
// kp-token renews the CLI session's token (which writes a private copy of
// the CLI's config and then config.json) ends neither: the command traps
// it and goes on, the renewal completes and reaches the files, kp-token
// exits with the command's status, and no copy or token file stays.
func TestExecCtrlCDuringRenewal(t *testing.T) {
	h := newHost(t)
	h.LoginUser(4 * time.Second)
	h.IAM.SetDelay(2 * time.Second)
	out := t.TempDir()
	script := `trap 'echo INT >> "$OUT/ints"' INT
first=$(cat "$KP_ACCESS_TOKEN_FILE"); : > "$OUT/started"
i=0
while :; do
  cur=$(cat "$KP_ACCESS_TOKEN_FILE")
  if [ -n "$cur" ] && [ "$cur" != "$first" ]; then break; fi
  i=$((i+1)); [ $i -lt 150 ] || exit 3
  sleep 0.1
done
echo renewed`
	s := start(h, map[string]string{"OUT": out}, "", "exec", "--min-validity", "2s", "--instance-id", cmdtest.InstanceID,
		"--kp-endpoint", "http://127.0.0.1:9", "--", "sh", "-c", script)
	waitFor(t, "the command to start", func() bool { _, err := os.Stat(filepath.Join(out, "started")); return err == nil })
	waitFor(t, "the renewal to reach IAM", func() bool { return h.IAM.Count() > 0 })
	if err := syscall.Kill(-s.cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	ws := s.wait(t)
	ints, _ := os.ReadFile(filepath.Join(out, "ints"))
	if ws.Signaled() || ws.ExitStatus() != 0 || s.Stdout.String() != "renewed\n" || string(ints) != "INT\n" {
		t.Fatalf("want the command to trap the Ctrl-C and see the renewed token, and kp-token to exit 0: %v, ints %q\n--- stdout\n%s--- stderr\n%s",
			ws, ints, &s.Stdout, &s.Stderr)
	}
	if h.RefreshRequests() != 1 {
		t.Fatalf("IAM saw %d renewals", h.RefreshRequests())
	}
	if copies, _ := filepath.Glob(filepath.Join(h.Home, ".config.json.kp-token-*")); len(copies) != 0 {
		t.Fatalf("the config's private copy stayed: %v", copies)
	}
	if left := execFilesDirs(h); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}
