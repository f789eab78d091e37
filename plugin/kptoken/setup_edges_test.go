package kptoken_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// startArgs runs the plug-in in the background; wait gives its cmdtest.Result, with
// 128+signal as the code of a process a signal ended (as shells report
// it), plus 1000 so that a test can tell it from an exit with that code.
func startArgs(h *cmdtest.Host, args ...string) (*exec.Cmd, func() cmdtest.Result) {
	h.T.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = cmdtest.Environ(h.Env)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		h.T.Fatal(err)
	}
	return cmd, func() cmdtest.Result {
		err := cmd.Wait()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				code = 1000 + 128 + int(ws.Signal())
			}
		} else if err != nil {
			h.T.Fatal(err)
		}
		return cmdtest.Result{Stdout: out.String(), Stderr: errb.String(), Code: code}
	}
}

// TestSetupSignals sends SIGINT, SIGTERM and SIGHUP while the server
// holds each of setup's requests (carried out, not yet answered): setup
// undoes what it made, says so, and exits 128+signal.
func TestSetupSignals(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX signals")
	}
	steps := []struct {
		name, route string
		undone      []string
	}{
		{"looking for the service ID", "GET /v1/serviceids/", nil},
		{"creating the service ID", "POST /v1/serviceids/", []string{"Undone: the service ID ServiceId-"}},
		{"creating the access policy", "POST /v1/policies", []string{"Undone: the access policy", "Undone: the service ID"}},
		{"creating the API key", "POST /v1/apikeys", []string{"Undone: the API key ApiKey-", "Undone: the access policy", "Undone: the service ID"}},
	}
	signals := []struct {
		sig  syscall.Signal
		name string
	}{{syscall.SIGINT, "SIGINT"}, {syscall.SIGTERM, "SIGTERM"}, {syscall.SIGHUP, "SIGHUP"}}
	for _, step := range steps {
		for _, s := range signals {
			t.Run(step.name+" "+s.name, func(t *testing.T) {
				h, _ := setupHost(t)
				file := filepath.Join(h.Home, "k.json")
				hold := h.IAM.HoldNext(step.route)
				defer hold.Release()
				cmd, wait := startArgs(h, "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", file)
				cmdtest.Arrive(t, hold, wait)
				_ = cmd.Process.Signal(s.sig)
				r := wait()
				if r.Code != 128+int(s.sig) || r.Stdout != "" || !strings.Contains(r.Stderr, "FAILED\n") {
					t.Fatalf("want FAILED and exit %d:\n%s", 128+int(s.sig), r)
				}
				if step.undone == nil {
					cmdtest.AssertInOrder(t, r, "The setup was stopped by "+s.name+" before it created anything.")
				} else {
					cmdtest.AssertInOrder(t, r, append([]string{"The setup was stopped by " + s.name + "."}, step.undone...)...)
				}
				cmdtest.AssertNothingLeft(t, h)
				cmdtest.AssertNoKeyFile(t, file)
			})
		}
	}
	t.Run("a second signal stops the undo, which says what it left", func(t *testing.T) {
		h, _ := setupHost(t)
		file := filepath.Join(h.Home, "k.json")
		create := h.IAM.HoldNext("POST /v1/apikeys")
		lookup := h.IAM.HoldNext("GET /v1/apikeys")
		defer create.Release()
		defer lookup.Release()
		cmd, wait := startArgs(h, "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", file)
		cmdtest.Arrive(t, create, wait)
		_ = cmd.Process.Signal(syscall.SIGINT)
		cmdtest.Arrive(t, lookup, wait)
		_ = cmd.Process.Signal(syscall.SIGINT)
		r := wait()
		sid := h.IAM.ServiceIDs()
		if r.Code != 130 || len(sid) != 1 || len(h.IAM.Policies()) != 1 || len(h.IAM.APIKeys()) != 1 {
			t.Fatalf("want exit 130 and everything left, and said:\n%s", r)
		}
		cmdtest.AssertInOrder(t, r, "The setup was stopped by SIGINT.",
			"Not verified: an API key named kp-auto may have been created for the service ID "+sid[0].ID,
			"Not undone: the access policy "+h.IAM.Policies()[0].ID+" could not be deleted. Run 'ibmcloud iam service-policy-delete "+sid[0].ID+" "+h.IAM.Policies()[0].ID+" -f' to finish the deletion.",
			"Not undone: the service ID "+sid[0].ID+" could not be deleted. Run 'ibmcloud iam service-id-delete "+sid[0].ID+" -f' to finish the deletion.")
	})
}

// TestSetupTraceHidesTheNewKey: the new API key is in no trace, however
// IAM spaces its reply.
func TestSetupTraceHidesTheNewKey(t *testing.T) {
	for _, setting := range []string{"true", "file"} {
		t.Run(setting, func(t *testing.T) {
			h, _ := setupHost(t)
			h.IAM.OddSpacing()
			traceFile := filepath.Join(h.Home, "trace.log")
			env := map[string]string{"IBMCLOUD_TRACE": "true"}
			if setting == "file" {
				env["IBMCLOUD_TRACE"] = traceFile
			}
			r := h.RunEnv(env, "", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", filepath.Join(h.Home, "k.json"))
			keys := h.IAM.APIKeys()
			if r.Code != 0 || len(keys) != 1 {
				t.Fatalf("setup:\n%s", r)
			}
			trace := r.Stdout + r.Stderr
			if setting == "file" {
				b, _ := os.ReadFile(traceFile)
				trace += string(b)
			}
			cmdtest.AssertNoSecrets(t, "trace", trace, keys[0].Key)
			if !strings.Contains(trace, `"apikey" : "[PRIVATE DATA HIDDEN]"`) {
				t.Fatalf("no oddly spaced reply in the trace:\n%s", trace)
			}
		})
	}
}

// setupHost is a logged-in user with a Key Protect instance whose access
// policies the IAM test server's policies decide.
func setupHost(t *testing.T) (*cmdtest.Host, *iamtest.KeyProtect) {
	h := newHost(t)
	h.LoginUser(time.Hour)
	kp := h.WithSetupKP()
	return h, kp
}
