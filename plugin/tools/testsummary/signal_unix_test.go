//go:build unix

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterruptPassedOn: a SIGTERM for testsummary alone (a job manager,
// 'kill PID') is passed on to the running step, no further step starts,
// and the summary says the run was interrupted.
func TestInterruptPassedOn(t *testing.T) {
	log := filepath.Join(t.TempDir(), "steps")
	t.Setenv("FAKE_MAKE_LOG", log)
	t.Setenv("MAKEFLAGS", "")
	go func() {
		for start := time.Now(); time.Since(start) < 30*time.Second; time.Sleep(20 * time.Millisecond) {
			if b, _ := os.ReadFile(log); strings.Contains(string(b), "sleep") {
				_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
				return
			}
		}
	}()
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run([]string{"-make", os.Args[0], "sleep", "unit"}, &stdout, &stderr)
	if took := time.Since(start); took > 30*time.Second {
		t.Fatalf("the step ran on for %v: the signal was not passed on", took)
	}
	ran, _ := os.ReadFile(log)
	if got := strings.Fields(string(ran)); !slices.Equal(got, []string{"sleep"}) {
		t.Errorf("steps run: %v", got)
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	want := "make test: FAIL — 0 packages, 0 tests, 0 fuzz targets, 0 s; failed steps: sleep; interrupted"
	if code != 1 || lines[len(lines)-1] != want {
		t.Fatalf("exit %d, last line\n%s\nwant 1 and\n%s", code, lines[len(lines)-1], want)
	}
}
