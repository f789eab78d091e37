package kptoken_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// The tests here hold 'setup' to all or nothing against hostile local
// servers: an unknown instance, creates whose answer is lost, signals at
// every step, a file planted during the run, IDs made to rewrite the
// report, a reply spaced to slip past the trace's sanitizing.

// startArgs runs the plug-in in the background; wait gives its result, with
// 128+signal as the code of a process a signal ended (as shells report
// it), plus 1000 so that a test can tell it from an exit with that code.
func (h *host) startArgs(args ...string) (*exec.Cmd, func() result) {
	h.t.Helper()
	cmd := exec.Command(binary, args...)
	for k, v := range h.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	return cmd, func() result {
		err := cmd.Wait()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				code = 1000 + 128 + int(ws.Signal())
			}
		} else if err != nil {
			h.t.Fatal(err)
		}
		return result{stdout: out.String(), stderr: errb.String(), code: code}
	}
}

// arrive waits until the held request has been carried out.
func arrive(t *testing.T, hold *iamtest.Hold, wait func() result) {
	t.Helper()
	select {
	case <-hold.Arrived:
	case <-time.After(30 * time.Second):
		hold.Release()
		t.Fatalf("the request never came:\n%s", wait())
	}
}

func assertInOrder(t *testing.T, r result, want ...string) {
	t.Helper()
	last := 0
	for _, w := range want {
		i := strings.Index(r.stderr[last:], w)
		if i < 0 {
			t.Fatalf("want %q (in this order):\n%s", want, r)
		}
		last += i + len(w)
	}
}

func assertNoKeyFile(t *testing.T, h *host, file string) {
	t.Helper()
	if _, err := os.Lstat(file); err == nil {
		t.Fatal("a key file was left")
	}
	if temps, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*.tmp-*")); len(temps) > 0 {
		t.Fatalf("temporary files left: %v", temps)
	}
}

func TestSetupChecksTheInstanceFirst(t *testing.T) {
	const unknown = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	tests := []struct {
		name      string
		prepare   func(h *host)
		args      []string
		cause     string
		succeeded bool
	}{
		{"an unknown GUID", nil, []string{"--instance-id", unknown},
			"No Key Protect instance " + unknown + " was found in the account " + iamtest.User.Account + "; nothing was created.", false},
		{"a mistyped CRN", nil, []string{"--instance", "crn:v1:bluemix:public:kms:us-south:a/" + iamtest.User.Account + ":" + unknown + "::"},
			"No Key Protect instance " + unknown + " was found", false},
		{"a CRN naming another region", nil, []string{"--instance", "crn:v1:bluemix:public:kms:eu-de:a/" + iamtest.User.Account + ":" + instanceID + "::"},
			"No Key Protect instance " + instanceID + " was found", false},
		{"another account's instance", func(h *host) {
			h.rc.Add(iamtest.RCInstance{GUID: unknown, Name: "theirs", Region: "us-south", ResourceID: iamtest.KeyProtectResourceID, Account: "ffffffffffffffffffffffffffffffff"})
		}, []string{"--instance-id", unknown}, "No Key Protect instance " + unknown + " was found", false},
		{"another service's instance", func(h *host) {
			h.rc.Add(iamtest.RCInstance{GUID: unknown, Name: "cos", Region: "us-south", ResourceID: "dff97f5c-bc5e-4455-b470-411c3edbe49c", Account: iamtest.User.Account})
		}, []string{"--instance-id", unknown}, "The instance " + unknown + " is not a Key Protect instance; nothing was created.", false},
		{"an instance by name", nil, []string{"--instance", "kp-main"}, "", true},
		{"an instance by CRN", nil, []string{"--instance", "crn:v1:bluemix:public:kms:us-south:a/" + iamtest.User.Account + ":" + instanceID + "::"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := setupHost(t)
			if tt.prepare != nil {
				tt.prepare(h)
			}
			file := filepath.Join(h.home, "k.json")
			r := h.run("", append([]string{"setup", "--name", "kp-auto", "--file", file}, tt.args...)...)
			if tt.succeeded {
				if r.code != 0 || len(h.iam.Policies()) != 1 || h.iam.Policies()[0].Instance != instanceID {
					t.Fatalf("setup:\n%s", r)
				}
				return
			}
			expectFailure(t, r, 1, tt.cause, "ibmcloud resource service-instances --service-name kms")
			assertNothingLeft(t, h)
			assertNoKeyFile(t, h, file)
		})
	}
	for locale, cause := range map[string]string{
		"fr_FR": "Aucune instance Key Protect " + unknown + " n'a été trouvée dans le compte " + iamtest.User.Account + "\u00a0; rien n'a été créé.",
		"ko_KR": "계정 " + iamtest.User.Account + "에서 Key Protect 인스턴스 " + unknown + "을(를) 찾을 수 없습니다.",
	} {
		t.Run(locale, func(t *testing.T) {
			h, _ := setupHost(t)
			h.loginUser(time.Hour, func(s *iamtest.Session) { s.Locale = locale })
			r := h.run("", "setup", "--name", "kp-auto", "--instance-id", unknown, "--file", filepath.Join(h.home, "k.json"))
			if r.code != 1 || !strings.Contains(r.stderr, cause) {
				t.Fatalf("want %q:\n%s", cause, r)
			}
			assertNothingLeft(t, h)
		})
	}
}

// TestSetupUnclearCreates: a create carried out whose answer is lost is
// not sent again; what it made is looked up and undone, or reported.
func TestSetupUnclearCreates(t *testing.T) {
	busy := iamtest.Reply{Status: 503, ContentType: "application/json", Body: `{"errorCode":"BXNIM0999E","errorMessage":"Service unavailable.","statusCode":"503"}`}
	tests := []struct {
		name    string
		prepare func(h *host)
		cause   string
		lines   []string
	}{
		{"service ID made, connection reset", func(h *host) {
			h.iam.FailAfter("POST /v1/serviceids/", iamtest.Reply{Reset: true})
		}, "The connection was closed before an answer came.", []string{"Undone: the service ID ServiceId-"}},
		{"service ID made, then 503", func(h *host) {
			h.iam.FailAfter("POST /v1/serviceids/", busy)
		}, "could not create the service ID (HTTP 503)", []string{"Undone: the service ID ServiceId-"}},
		{"policy made, then 503", func(h *host) {
			h.iam.FailAfter("POST /v1/policies", busy)
		}, "could not create the access policy (HTTP 503)", []string{"Undone: the access policy", "Undone: the service ID"}},
		{"API key made, connection reset", func(h *host) {
			h.iam.FailAfter("POST /v1/apikeys", iamtest.Reply{Reset: true})
		}, "The connection was closed before an answer came.", []string{"Undone: the API key ApiKey-", "Undone: the access policy", "Undone: the service ID"}},
		{"API key made, then 503", func(h *host) {
			h.iam.FailAfter("POST /v1/apikeys", busy)
		}, "could not create the API key (HTTP 503)", []string{"Undone: the API key ApiKey-", "Undone: the access policy", "Undone: the service ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := setupHost(t)
			tt.prepare(h)
			file := filepath.Join(h.home, "k.json")
			r := h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", file)
			if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "FAILED\n") || !strings.Contains(r.stderr, tt.cause) {
				t.Fatalf("want FAILED and %q:\n%s", tt.cause, r)
			}
			assertInOrder(t, r, tt.lines...)
			assertNothingLeft(t, h)
			assertNoKeyFile(t, h, file)
		})
	}
	t.Run("a lookup that fails is reported with the command that checks", func(t *testing.T) {
		h, _ := setupHost(t)
		h.iam.FailAfter("POST /v1/apikeys", iamtest.Reply{Reset: true})
		h.iam.FailNext("GET /v1/apikeys", iamtest.Reply{Status: 403, ContentType: "application/json", Body: `{"errorCode":"BXNIM0513E","errorMessage":"Forbidden."}`})
		r := h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", filepath.Join(h.home, "k.json"))
		sid := ""
		if s := h.iam.ServiceIDs(); len(s) == 0 {
			if keys := h.iam.APIKeys(); len(keys) == 1 {
				sid = strings.TrimPrefix(keys[0].IAMID, "iam-")
			}
		}
		if r.code != 1 || sid == "" || len(h.iam.Policies()) != 0 {
			t.Fatalf("want the service ID and policy undone, the key left (service ID %q):\n%s", sid, r)
		}
		assertInOrder(t, r, "Not verified: an API key named kp-auto may have been created for the service ID "+sid+". Check by running 'ibmcloud iam service-api-keys "+sid+"'.",
			"Undone: the access policy", "Undone: the service ID")
	})
}

// TestSetupReusesWithoutMistakes: with --reuse, what was there before is
// never undone, and what this run made always is, a policy IAM reports as
// a conflict because a repeated request made it included.
func TestSetupReusesWithoutMistakes(t *testing.T) {
	bad := iamtest.Reply{Status: 400, ContentType: "application/json", Body: `{"errorCode":"BXNIM0109E","errorMessage":"Invalid request."}`}
	conflict := iamtest.Reply{Status: 409, ContentType: "application/json", Body: `{"trace":"x","errors":[{"code":"policy_conflict_error","message":"Failed to create policy. The policy already exists."}],"status_code":409}`}
	t.Run("a 409 for the policy this run made", func(t *testing.T) {
		h, _ := setupHost(t)
		h.iam.AddServiceID(iamtest.User.Account, "kp-auto")
		h.iam.FailAfter("POST /v1/policies", conflict)
		h.iam.FailNext("POST /v1/apikeys", bad)
		r := h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", filepath.Join(h.home, "k.json"), "--reuse")
		if r.code != 1 || len(h.iam.Policies()) != 0 || len(h.iam.ServiceIDs()) != 1 || strings.Contains(r.stderr, "the service ID ServiceId") {
			t.Fatalf("want the policy undone and the reused service ID kept (%d policies):\n%s", len(h.iam.Policies()), r)
		}
		assertInOrder(t, r, "could not create the API key (HTTP 400)", "Undone: the access policy")
	})
	t.Run("a 409 then success shows the policy as made", func(t *testing.T) {
		h, _ := setupHost(t)
		h.iam.AddServiceID(iamtest.User.Account, "kp-auto")
		h.iam.FailAfter("POST /v1/policies", conflict)
		r := h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", filepath.Join(h.home, "k.json"), "--reuse", "--output", "json")
		var res map[string]any
		_ = json.Unmarshal([]byte(r.stdout), &res)
		if r.code != 0 || len(h.iam.Policies()) != 1 || res["policy_id"] != h.iam.Policies()[0].ID {
			t.Fatalf("want the policy reported as this run's:\n%s", r)
		}
	})
	t.Run("what was there before stays", func(t *testing.T) {
		h, _ := setupHost(t)
		if r := h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", filepath.Join(h.home, "first.json")); r.code != 0 {
			t.Fatalf("first setup:\n%s", r)
		}
		before := h.iam.APIKeys()
		// The new key is made but its answer lost; the old key of the same
		// name is not this run's to delete, nor is the policy.
		h.iam.FailAfter("POST /v1/apikeys", iamtest.Reply{Reset: true})
		r := h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", filepath.Join(h.home, "second.json"), "--reuse")
		keys := h.iam.APIKeys()
		if r.code != 1 || len(keys) != 1 || keys[0].ID != before[0].ID || len(h.iam.Policies()) != 1 || len(h.iam.ServiceIDs()) != 1 {
			t.Fatalf("want only the new key undone (%d keys, %d policies):\n%s", len(keys), len(h.iam.Policies()), r)
		}
		if strings.Contains(r.stderr, "Undone: the access policy") || strings.Contains(r.stderr, "Undone: the API key "+before[0].ID) {
			t.Fatalf("something that was there before was undone:\n%s", r)
		}
		assertInOrder(t, r, "Undone: the API key ApiKey-")
	})
}

// TestSetupNeverReplacesAFileThatAppears: a file made at the key file's
// path while setup runs (after its check) is not replaced without -f.
func TestSetupNeverReplacesAFileThatAppears(t *testing.T) {
	h, _ := setupHost(t)
	file := filepath.Join(h.home, "k.json")
	hold := h.iam.HoldNext("POST /v1/apikeys")
	_, wait := h.startArgs("setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", file)
	arrive(t, hold, wait)
	if err := os.WriteFile(file, []byte("the user's own"), 0o644); err != nil {
		t.Fatal(err)
	}
	hold.Release()
	r := wait()
	if r.code != 1 || r.stdout != "" {
		t.Fatalf("want exit 1:\n%s", r)
	}
	assertInOrder(t, r, "FAILED\nThe file "+file+" appeared while the setup ran; it was left unchanged.",
		"Undone: the API key", "Undone: the access policy", "Undone: the service ID", "pass -f to replace it")
	assertNothingLeft(t, h)
	if b, _ := os.ReadFile(file); string(b) != "the user's own" {
		t.Fatalf("the file was changed: %q", b)
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
				file := filepath.Join(h.home, "k.json")
				hold := h.iam.HoldNext(step.route)
				defer hold.Release()
				cmd, wait := h.startArgs("setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", file)
				arrive(t, hold, wait)
				_ = cmd.Process.Signal(s.sig)
				r := wait()
				if r.code != 128+int(s.sig) || r.stdout != "" || !strings.Contains(r.stderr, "FAILED\n") {
					t.Fatalf("want FAILED and exit %d:\n%s", 128+int(s.sig), r)
				}
				if step.undone == nil {
					assertInOrder(t, r, "The setup was stopped by "+s.name+" before it created anything.")
				} else {
					assertInOrder(t, r, append([]string{"The setup was stopped by " + s.name + "."}, step.undone...)...)
				}
				assertNothingLeft(t, h)
				assertNoKeyFile(t, h, file)
			})
		}
	}
	t.Run("a second signal stops the undo, which says what it left", func(t *testing.T) {
		h, _ := setupHost(t)
		file := filepath.Join(h.home, "k.json")
		create := h.iam.HoldNext("POST /v1/apikeys")
		lookup := h.iam.HoldNext("GET /v1/apikeys")
		defer create.Release()
		defer lookup.Release()
		cmd, wait := h.startArgs("setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", file)
		arrive(t, create, wait)
		_ = cmd.Process.Signal(syscall.SIGINT)
		arrive(t, lookup, wait)
		_ = cmd.Process.Signal(syscall.SIGINT)
		r := wait()
		sid := h.iam.ServiceIDs()
		if r.code != 130 || len(sid) != 1 || len(h.iam.Policies()) != 1 || len(h.iam.APIKeys()) != 1 {
			t.Fatalf("want exit 130 and everything left, and said:\n%s", r)
		}
		assertInOrder(t, r, "The setup was stopped by SIGINT.",
			"Not verified: an API key named kp-auto may have been created for the service ID "+sid[0].ID,
			"Not undone: the access policy "+h.iam.Policies()[0].ID+" could not be deleted. Delete it by running 'ibmcloud iam service-policy-delete "+sid[0].ID+" "+h.iam.Policies()[0].ID+" -f'.",
			"Not undone: the service ID "+sid[0].ID+" could not be deleted. Delete it by running 'ibmcloud iam service-id-delete "+sid[0].ID+" -f'.")
	})
}

// TestSetupEscapesServerText: IDs from a hostile IAM reach the report
// escaped, and the commands in it quoted, so that none can rewrite a line
// ("Not undone" into "Undone") or add a command of its own.
func TestSetupEscapesServerText(t *testing.T) {
	bad := iamtest.Reply{Status: 400, ContentType: "application/json", Body: `{"errorCode":"BXNIM0109E","errorMessage":"Invalid request."}`}
	h, _ := setupHost(t)
	h.iam.IDSuffix("'$(touch pwned)\x1b[1A\r\nUndone: the service ID everything was deleted.")
	h.iam.FailNext("POST /v1/apikeys", bad)
	h.iam.FailNext("DELETE /v1/serviceids/", bad)
	h.iam.FailNext("DELETE /v1/serviceids/", bad)
	r := h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", filepath.Join(h.home, "k.json"))
	if r.code != 1 || strings.ContainsRune(r.stderr, '\x1b') || strings.ContainsRune(r.stderr, '\r') {
		t.Fatalf("want FAILED with no control character:\n%q", r.stderr)
	}
	var undone, notUndone []string
	for _, l := range strings.Split(r.stderr, "\n") {
		switch {
		case strings.HasPrefix(l, "Undone: "):
			undone = append(undone, l)
		case strings.HasPrefix(l, "Not undone: "):
			notUndone = append(notUndone, l)
		}
	}
	if len(undone) != 1 || !strings.HasPrefix(undone[0], "Undone: the access policy") || len(notUndone) != 1 {
		t.Fatalf("the report was rewritten:\n%s", r.stderr)
	}
	want := `Delete it by running 'ibmcloud iam service-id-delete 'ServiceId-00000001-aaaa-4bbb-8ccc-000000000001'\''$(touch pwned)\x1b[1A\r\nUndone: the service ID everything was deleted.' -f'.`
	if !strings.HasSuffix(notUndone[0], want) {
		t.Fatalf("the command is not one quoted word:\n%s\nwant suffix %s", notUndone[0], want)
	}
}

// TestSetupNextCommandIsOneShellWordEach: the next command, in JSON and in
// words, reads back as the same arguments in a shell.
func TestSetupNextCommandIsOneShellWordEach(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX shell")
	}
	h, _ := setupHost(t)
	dir := filepath.Join(h.home, "my keys $(touch pwned)")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "it's.json")
	r := h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", file, "--output", "json")
	var res struct {
		Next string `json:"next_command"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); r.code != 0 || err != nil {
		t.Fatalf("setup: %v\n%s", err, r)
	}
	next := res.Next
	out, err := exec.Command("sh", "-c", "set -- "+strings.TrimPrefix(next, "ibmcloud ")+`; printf '%s\n' "$@"`).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{"kp-token", "get", "--apikey", "@" + file, "--instance-id", instanceID}, "\n") + "\n"
	if string(out) != want {
		t.Fatalf("next_command %q reads back as\n%s", next, out)
	}
	if _, err := os.Stat(filepath.Join(h.home, "pwned")); err == nil {
		t.Fatal("the next command ran a command")
	}
}

// TestSetupTraceHidesTheNewKey: the new API key is in no trace, however
// IAM spaces its reply.
func TestSetupTraceHidesTheNewKey(t *testing.T) {
	for _, setting := range []string{"true", "file"} {
		t.Run(setting, func(t *testing.T) {
			h, _ := setupHost(t)
			h.iam.OddSpacing()
			traceFile := filepath.Join(h.home, "trace.log")
			env := map[string]string{"IBMCLOUD_TRACE": "true"}
			if setting == "file" {
				env["IBMCLOUD_TRACE"] = traceFile
			}
			r := h.runEnv(env, "", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", filepath.Join(h.home, "k.json"))
			keys := h.iam.APIKeys()
			if r.code != 0 || len(keys) != 1 {
				t.Fatalf("setup:\n%s", r)
			}
			trace := r.stdout + r.stderr
			if setting == "file" {
				b, _ := os.ReadFile(traceFile)
				trace += string(b)
			}
			assertNoSecrets(t, "trace", trace, keys[0].Key)
			if !strings.Contains(trace, `"apikey" : "[PRIVATE DATA HIDDEN]"`) {
				t.Fatalf("no oddly spaced reply in the trace:\n%s", trace)
			}
		})
	}
}
