//go:build unix

package main

import (
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestMakeRepoServeStopsWithMake runs 'make repo-serve' as a user does,
// with the real make and go, in a folder that holds the Makefile and the
// sources, then stops make: with SIGTERM to make alone ('make repo-serve &'
// then 'kill PID'), which make passes on to its children only; and with
// SIGINT to make's process group (Ctrl-C, 'kill -INT %1'). Once make has
// exited, nothing may listen on the port: a server left behind (go run's
// child, which make's SIGTERM never reaches) keeps it, and the next
// 'make repo-serve' fails with "address already in use".
func TestMakeRepoServeStopsWithMake(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	module, err := filepath.Abs("../../../..")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		sig   syscall.Signal
		group bool
	}{
		{"SIGTERM to make", syscall.SIGTERM, false},
		{"SIGINT to make's process group", syscall.SIGINT, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range []string{"Makefile", "go.mod", "go.sum"} {
				b, err := os.ReadFile(filepath.Join(module, f))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, d := range []string{"plugin", "i18n"} {
				if err := os.Symlink(filepath.Join(module, d), filepath.Join(dir, d)); err != nil {
					t.Fatal(err)
				}
			}
			repo := filepath.Join(dir, "out", "repo", "bx")
			if err := os.MkdirAll(repo, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(repo, "list"), []byte(`{"plugins":[]}`), 0o644); err != nil {
				t.Fatal(err)
			}
			port := freePort(t)
			// A file, not a pipe: a server left behind would hold a pipe
			// open, and Wait would wait for it, not for make.
			out, err := os.Create(filepath.Join(t.TempDir(), "make.log"))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			log := func() string { b, _ := os.ReadFile(out.Name()); return string(b) }
			cmd := exec.Command("make", "repo-serve", "PORT="+port)
			cmd.Dir = dir
			// -trimpath: the build of the tool reuses the cache whatever
			// the folder (it would recompile every package otherwise).
			cmd.Env = append(os.Environ(), "MAKEFLAGS=", "MAKELEVEL=", "GOFLAGS=-trimpath")
			cmd.Stdout, cmd.Stderr = out, out
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			pgid := cmd.Process.Pid
			// Whatever happens, nothing of this run outlives the test: a
			// server left behind is still in make's process group.
			t.Cleanup(func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) })
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()

			url := "http://127.0.0.1:" + port + "/bx/list"
			deadline := time.Now().Add(90 * time.Second)
			for {
				resp, err := http.Get(url)
				if err == nil {
					resp.Body.Close()
					break
				}
				select {
				case err := <-exited:
					t.Fatalf("make exited before serving: %v\n%s", err, log())
				case <-time.After(100 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					t.Fatalf("nothing served at %s\n%s", url, log())
				}
			}

			target := pgid
			if tt.group {
				target = -pgid
			}
			if err := syscall.Kill(target, tt.sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-exited:
			case <-time.After(20 * time.Second):
				t.Fatalf("make still runs after %v\n%s", tt.sig, log())
			}
			if c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 2*time.Second); err == nil {
				c.Close()
				t.Fatalf("make exited and something still listens on port %s\n%s", port, log())
			} else if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Fatalf("port %s: %v", port, err)
			}
		})
	}
}

// freePort is a loopback port nothing listens on (now).
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
