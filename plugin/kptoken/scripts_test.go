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
)

// TestBrokenStdoutFailsEveryCommand: data a script never got is a failure.
func TestBrokenStdoutFailsEveryCommand(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /dev/full")
	}
	h := newHost(t)
	h.loginUser(time.Hour)
	keyFile := "@" + h.write("key", serviceKey)
	tokenFile := filepath.Join(h.home, "t.json")
	if r := h.run("", "get", "--apikey", keyFile, "--file", tokenFile); r.code != 0 {
		t.Fatalf("get --file:\n%s", r)
	}
	for _, args := range [][]string{
		{"get"}, {"get", "--output", "raw"}, {"inspect"}, {"inspect", "--file", tokenFile, "--output", "json"},
		{"cache-delete", "--all"}, {"cache-delete", "--apikey", keyFile, "--output", "json"}, {"version"}, {"refresh"},
	} {
		full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			t.Skip("no /dev/full")
		}
		cmd := exec.Command(binary, args...)
		for k, v := range h.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		var errb strings.Builder
		cmd.Stdout, cmd.Stderr = full, &errb
		err = cmd.Run()
		full.Close()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(errb.String(), "FAILED") {
			t.Errorf("%v with a full stdout: %v\n%s", args, err, errb.String())
		}
	}
}

func TestUsageConventions(t *testing.T) {
	h := newHost(t)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown command", []string{"gett"}, []string{"The command gett is unknown. Did you mean get?", "Run 'ibmcloud kp-token --help' to see the usage."}},
		{"unknown option", []string{"get", "--apikye", "x"}, []string{"The option --apikye is unknown. Did you mean --apikey?", "Run 'ibmcloud kp-token get --help'"}},
		{"a duration without its unit", []string{"get", "--min-validity", "10"}, []string{"The value 10 is not valid for --min-validity: give a duration with its unit, such as 5m, 90s or 1h."}},
		{"--file empty", []string{"get", "--file", ""}, []string{"empty file name"}},
		{"--file -", []string{"get", "--file", "-"}, []string{"does not take '-'"}},
		{"refresh --file empty", []string{"refresh", "--file", ""}, []string{"empty file name"}},
		{"inspect --file -", []string{"inspect", "--file", "-"}, []string{"does not take '-'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.run("", tt.args...)
			if r.code != 2 || r.stdout != "" || strings.Contains(r.stderr, "OPTIONS:") || strings.Count(r.stderr, "\n") > 6 {
				t.Fatalf("want a short usage failure:\n%s", r)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Fatalf("want %q:\n%s", w, r)
				}
			}
		})
	}
	t.Run("a key in a mistyped option is not echoed", func(t *testing.T) {
		r := h.run("", "get", "---apikey="+serviceKey)
		if r.code != 2 {
			t.Fatalf("got:\n%s", r)
		}
		assertNoSecrets(t, "stderr", r.stderr, serviceKey)
	})
	t.Run("--file empty prints no token", func(t *testing.T) {
		h.loginUser(time.Hour)
		if r := h.run("", "get", "--file", ""); r.stdout != "" || r.code != 2 || h.iam.Count() != 0 {
			t.Fatalf("got:\n%s", r)
		}
	})
}

func TestVersionStandalone(t *testing.T) {
	// Run as a user would, outside 'ibmcloud': no plug-in variables.
	home := t.TempDir()
	run := func(args ...string) (string, int) {
		cmd := exec.Command(binary, args...)
		cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "SYSTEMROOT=" + os.Getenv("SYSTEMROOT")}
		out, err := cmd.Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return string(out), code
	}
	out, code := run("version")
	if code != 0 || !strings.HasPrefix(out, "kp-token "+testVersion+" (commit ") || !strings.Contains(out, runtime.Version()) {
		t.Fatalf("version: %d %q", code, out)
	}
	out, code = run("version", "--output", "json")
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != 0 || v["version"] != testVersion || v["go_version"] != runtime.Version() || v["commit"] == "" {
		t.Fatalf("version json: %v %q", err, out)
	}
	if out, _ := run("version", "-q"); out != testVersion+"\n" {
		t.Fatalf("version -q: %q", out)
	}
}

func TestCacheWaitZeroStillCaches(t *testing.T) {
	h := newHost(t)
	for i := 0; i < 3; i++ {
		if r := h.run(serviceKey, "get", "--apikey", "-", "-q", "--cache-wait", "0"); r.code != 0 {
			t.Fatalf("get:\n%s", r)
		}
	}
	if h.iam.Count() != 1 {
		t.Fatalf("--cache-wait 0 bypassed the cache: %d IAM requests", h.iam.Count())
	}
}

func TestRefreshMinValidity(t *testing.T) {
	h := newHost(t)
	h.iam.SetClock(-30 * time.Minute) // 1-hour tokens with 30 minutes left
	file := filepath.Join(h.home, "token.json")
	if r := h.run("", "get", "--apikey", "@"+h.write("key", serviceKey), "--file", file, "--no-cache"); r.code != 0 {
		t.Fatalf("get:\n%s", r)
	}
	before, _ := os.ReadFile(file)
	// Every 5 minutes from cron: no IAM call while the token has more left.
	for i := 0; i < 3; i++ {
		r := h.run("", "refresh", "--file", file, "--min-validity", "10m")
		if r.code != 0 || h.iam.Count() != 1 || !strings.Contains(r.stderr, "was not renewed") {
			t.Fatalf("refresh of a fresh file (IAM calls %d):\n%s", h.iam.Count(), r)
		}
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Fatal("the file changed although nothing was renewed")
	}
	r := h.run("", "refresh", "--file", file, "--min-validity", "45m", "-q")
	if r.code != 0 || h.iam.Count() != 2 {
		t.Fatalf("refresh when due (IAM calls %d):\n%s", h.iam.Count(), r)
	}
	// Without --min-validity, refresh renews as it always did.
	if r := h.run("", "refresh", "--file", file, "-q"); r.code != 0 || h.iam.Count() != 3 {
		t.Fatalf("refresh without --min-validity (IAM calls %d):\n%s", h.iam.Count(), r)
	}
	// The session too.
	h.loginUser(50 * time.Minute)
	if r := h.run("", "refresh", "--min-validity", "10m", "-q"); r.code != 0 || h.iam.Count() != 3 {
		t.Fatalf("session refresh of a fresh token (IAM calls %d):\n%s", h.iam.Count(), r)
	}
}
