package kptoken_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
)

// TestBrokenStdoutFailsEveryCommand: data a script never got is a failure.
func TestBrokenStdoutFailsEveryCommand(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /dev/full")
	}
	h := newHost(t)
	h.LoginUser(time.Hour)
	keyFile := "@" + h.Write("key", cmdtest.ServiceKey)
	tokenFile := filepath.Join(h.Home, "t.json")
	if r := h.Run("", "get", "--apikey", keyFile, "--file", tokenFile); r.Code != 0 {
		t.Fatalf("get --file:\n%s", r)
	}
	for _, args := range [][]string{
		{"get"}, {"get", "--output", "raw"}, {"inspect", "--output", "json"}, {"inspect", "--file", tokenFile, "--output", "json"},
		{"cache-delete", "--all", "--output", "json"}, {"cache-delete", "--apikey", keyFile, "--output", "json"}, {"version"}, {"refresh"},
	} {
		full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			t.Skip("no /dev/full")
		}
		cmd := exec.Command(binary, args...)
		for k, v := range h.Env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		var errb strings.Builder
		cmd.Stdout, cmd.Stderr = full, &errb
		err = cmd.Run()
		full.Close()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(errb.String(), "FAILED") {
			t.Errorf("%v with a full Stdout: %v\n%s", args, err, errb.String())
		}
	}
}

func TestVersionStandalone(t *testing.T) {
	// Run as a user would, outside 'ibmcloud': no plug-in variables.
	home := t.TempDir()
	run := func(args ...string) (string, int) {
		cmd := exec.Command(binary, args...)
		cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "SYSTEMROOT=" + os.Getenv("SYSTEMROOT"), "GOCOVERDIR=" + os.Getenv("KP_TOKEN_COVERDIR")}
		out, err := cmd.Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return string(out), code
	}
	out, code := run("version")
	if code != 0 || !strings.HasPrefix(out, "kp-token "+cmdtest.Version+" (commit ") || !strings.Contains(out, runtime.Version()) {
		t.Fatalf("version: %d %q", code, out)
	}
	out, code = run("version", "--output", "json")
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != 0 || v["version"] != cmdtest.Version || v["go_version"] != runtime.Version() || v["commit"] == "" {
		t.Fatalf("version json: %v %q", err, out)
	}
	if out, _ := run("version", "-q"); out != cmdtest.Version+"\n" {
		t.Fatalf("version -q: %q", out)
	}
}
