package setup_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestSetupChecksTheInstanceFirst(t *testing.T) {
	const unknown = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	tests := []struct {
		name      string
		prepare   func(h *cmdtest.Host)
		args      []string
		cause     string
		succeeded bool
	}{
		{"an unknown GUID", nil, []string{"--instance-id", unknown},
			"No Key Protect instance " + unknown + " was found in the account " + iamtest.User.Account + "; nothing was created.", false},
		{"a mistyped CRN", nil, []string{"--instance", "crn:v1:bluemix:public:kms:us-south:a/" + iamtest.User.Account + ":" + unknown + "::"},
			"No Key Protect instance " + unknown + " was found", false},
		{"a CRN naming another region", nil, []string{"--instance", "crn:v1:bluemix:public:kms:eu-de:a/" + iamtest.User.Account + ":" + cmdtest.InstanceID + "::"},
			"No Key Protect instance " + cmdtest.InstanceID + " was found", false},
		{"another account's instance", func(h *cmdtest.Host) {
			h.RC.Add(iamtest.RCInstance{GUID: unknown, Name: "theirs", Region: "us-south", ResourceID: iamtest.KeyProtectResourceID, Account: "ffffffffffffffffffffffffffffffff"})
		}, []string{"--instance-id", unknown}, "No Key Protect instance " + unknown + " was found", false},
		{"another service's instance", func(h *cmdtest.Host) {
			h.RC.Add(iamtest.RCInstance{GUID: unknown, Name: "cos", Region: "us-south", ResourceID: "dff97f5c-bc5e-4455-b470-411c3edbe49c", Account: iamtest.User.Account})
		}, []string{"--instance-id", unknown}, "The instance " + unknown + " is not a Key Protect instance; nothing was created.", false},
		{"an instance by name", nil, []string{"--instance", "kp-main"}, "", true},
		{"an instance by CRN", nil, []string{"--instance", "crn:v1:bluemix:public:kms:us-south:a/" + iamtest.User.Account + ":" + cmdtest.InstanceID + "::"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := setupHost(t)
			if tt.prepare != nil {
				tt.prepare(h)
			}
			file := filepath.Join(h.Home, "k.json")
			r := h.Run("", append([]string{"setup", "--name", "kp-auto", "--file", file}, tt.args...)...)
			if tt.succeeded {
				if r.Code != 0 || len(h.IAM.Policies()) != 1 || h.IAM.Policies()[0].Instance != cmdtest.InstanceID {
					t.Fatalf("setup:\n%s", r)
				}
				return
			}
			cmdtest.ExpectFailure(t, r, 1, tt.cause, "ibmcloud resource service-instances --service-name kms")
			cmdtest.AssertNothingLeft(t, h)
			cmdtest.AssertNoKeyFile(t, file)
		})
	}
	for locale, cause := range map[string]string{
		"fr_FR": "Aucune instance Key Protect " + unknown + " n'a été trouvée dans le compte " + iamtest.User.Account + "\u00a0; rien n'a été créé.",
		"ko_KR": "계정 " + iamtest.User.Account + "에서 Key Protect 인스턴스 " + unknown + "을(를) 찾을 수 없습니다.",
	} {
		t.Run(locale, func(t *testing.T) {
			h, _ := setupHost(t)
			h.LoginUser(time.Hour, func(s *iamtest.Session) { s.Locale = locale })
			r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", unknown, "--file", filepath.Join(h.Home, "k.json"))
			if r.Code != 1 || !strings.Contains(r.Stderr, cause) {
				t.Fatalf("want %q:\n%s", cause, r)
			}
			cmdtest.AssertNothingLeft(t, h)
		})
	}
}

// TestSetupUnclearCreates: a create carried out whose answer is lost is
// not sent again; what it made is looked up and undone, or reported.
func TestSetupUnclearCreates(t *testing.T) {
	busy := iamtest.Reply{Status: 503, ContentType: "application/json", Body: `{"errorCode":"BXNIM0999E","errorMessage":"Service unavailable.","statusCode":"503"}`}
	tests := []struct {
		name    string
		prepare func(h *cmdtest.Host)
		cause   string
		lines   []string
	}{
		{"service ID made, connection reset", func(h *cmdtest.Host) {
			h.IAM.FailAfter("POST /v1/serviceids/", iamtest.Reply{Reset: true})
		}, "The connection was closed before an answer came.", []string{"Undone: the service ID ServiceId-"}},
		{"service ID made, then 503", func(h *cmdtest.Host) {
			h.IAM.FailAfter("POST /v1/serviceids/", busy)
		}, "could not create the service ID (HTTP 503)", []string{"Undone: the service ID ServiceId-"}},
		{"policy made, then 503", func(h *cmdtest.Host) {
			h.IAM.FailAfter("POST /v1/policies", busy)
		}, "could not create the access policy (HTTP 503)", []string{"Undone: the access policy", "Undone: the service ID"}},
		{"API key made, connection reset", func(h *cmdtest.Host) {
			h.IAM.FailAfter("POST /v1/apikeys", iamtest.Reply{Reset: true})
		}, "The connection was closed before an answer came.", []string{"Undone: the API key ApiKey-", "Undone: the access policy", "Undone: the service ID"}},
		{"API key made, then 503", func(h *cmdtest.Host) {
			h.IAM.FailAfter("POST /v1/apikeys", busy)
		}, "could not create the API key (HTTP 503)", []string{"Undone: the API key ApiKey-", "Undone: the access policy", "Undone: the service ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := setupHost(t)
			tt.prepare(h)
			file := filepath.Join(h.Home, "k.json")
			r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", file)
			if r.Code != 1 || r.Stdout != "" || !strings.Contains(r.Stderr, "FAILED\n") || !strings.Contains(r.Stderr, tt.cause) {
				t.Fatalf("want FAILED and %q:\n%s", tt.cause, r)
			}
			cmdtest.AssertInOrder(t, r, tt.lines...)
			cmdtest.AssertNothingLeft(t, h)
			cmdtest.AssertNoKeyFile(t, file)
		})
	}
	t.Run("a lookup that fails is reported with the command that checks", func(t *testing.T) {
		h, _ := setupHost(t)
		h.IAM.FailAfter("POST /v1/apikeys", iamtest.Reply{Reset: true})
		h.IAM.FailNext("GET /v1/apikeys", iamtest.Reply{Status: 403, ContentType: "application/json", Body: `{"errorCode":"BXNIM0513E","errorMessage":"Forbidden."}`})
		r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", filepath.Join(h.Home, "k.json"))
		// The key that could not be looked up went with its service ID, as
		// in IAM.
		sid := ""
		if m := regexp.MustCompile(`Undone: the service ID (ServiceId-\S+) was deleted`).FindStringSubmatch(r.Stderr); m != nil {
			sid = m[1]
		}
		if r.Code != 1 || sid == "" {
			t.Fatalf("want the service ID and policy undone:\n%s", r)
		}
		cmdtest.AssertNothingLeft(t, h)
		cmdtest.AssertInOrder(t, r, "Not verified: an API key named kp-auto may have been created for the service ID "+sid+". Check by running 'ibmcloud iam service-api-keys "+sid+"'.",
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
		h.IAM.AddServiceID(iamtest.User.Account, "kp-auto")
		h.IAM.FailAfter("POST /v1/policies", conflict)
		h.IAM.FailNext("POST /v1/apikeys", bad)
		r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", filepath.Join(h.Home, "k.json"), "--reuse")
		if r.Code != 1 || len(h.IAM.Policies()) != 0 || len(h.IAM.ServiceIDs()) != 1 || strings.Contains(r.Stderr, "the service ID ServiceId") {
			t.Fatalf("want the policy undone and the reused service ID kept (%d policies):\n%s", len(h.IAM.Policies()), r)
		}
		cmdtest.AssertInOrder(t, r, "could not create the API key (HTTP 400)", "Undone: the access policy")
	})
	t.Run("a 409 then success shows the policy as made", func(t *testing.T) {
		h, _ := setupHost(t)
		h.IAM.AddServiceID(iamtest.User.Account, "kp-auto")
		h.IAM.FailAfter("POST /v1/policies", conflict)
		r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", filepath.Join(h.Home, "k.json"), "--reuse", "--output", "json")
		var res map[string]any
		_ = json.Unmarshal([]byte(r.Stdout), &res)
		if r.Code != 0 || len(h.IAM.Policies()) != 1 || res["policy_id"] != h.IAM.Policies()[0].ID {
			t.Fatalf("want the policy reported as this run's:\n%s", r)
		}
	})
	t.Run("what was there before stays", func(t *testing.T) {
		h, _ := setupHost(t)
		if r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", filepath.Join(h.Home, "first.json")); r.Code != 0 {
			t.Fatalf("first setup:\n%s", r)
		}
		before := h.IAM.APIKeys()
		// The new key is made but its answer lost; the old key of the same
		// name is not this run's to delete, nor is the policy.
		h.IAM.FailAfter("POST /v1/apikeys", iamtest.Reply{Reset: true})
		r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", filepath.Join(h.Home, "second.json"), "--reuse")
		keys := h.IAM.APIKeys()
		if r.Code != 1 || len(keys) != 1 || keys[0].ID != before[0].ID || len(h.IAM.Policies()) != 1 || len(h.IAM.ServiceIDs()) != 1 {
			t.Fatalf("want only the new key undone (%d keys, %d policies):\n%s", len(keys), len(h.IAM.Policies()), r)
		}
		if strings.Contains(r.Stderr, "Undone: the access policy") || strings.Contains(r.Stderr, "Undone: the API key "+before[0].ID) {
			t.Fatalf("something that was there before was undone:\n%s", r)
		}
		cmdtest.AssertInOrder(t, r, "Undone: the API key ApiKey-")
	})
}

// TestSetupNeverReplacesAFileThatAppears: a file made at the key file's
// path while setup runs (after its check) is not replaced without -f.
func TestSetupNeverReplacesAFileThatAppears(t *testing.T) {
	h, _ := setupHost(t)
	file := filepath.Join(h.Home, "k.json")
	hold := h.IAM.HoldNext("POST /v1/apikeys")
	wait := h.Start("setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", file)
	cmdtest.Arrive(t, hold, wait)
	if err := os.WriteFile(file, []byte("the user's own"), 0o644); err != nil {
		t.Fatal(err)
	}
	hold.Release()
	r := wait()
	if r.Code != 1 || r.Stdout != "" {
		t.Fatalf("want exit 1:\n%s", r)
	}
	cmdtest.AssertInOrder(t, r, "FAILED\nThe file "+file+" appeared while the setup ran; it was left unchanged.",
		"Undone: the API key", "Undone: the access policy", "Undone: the service ID", "pass -f to replace it")
	cmdtest.AssertNothingLeft(t, h)
	if b, _ := os.ReadFile(file); string(b) != "the user's own" {
		t.Fatalf("the file was changed: %q", b)
	}
}

// TestSetupEscapesServerText: IDs from a hostile IAM reach the report
// escaped, and the commands in it quoted, so that none can rewrite a line
// ("Not undone" into "Undone") or add a command of its own.
func TestSetupEscapesServerText(t *testing.T) {
	bad := iamtest.Reply{Status: 400, ContentType: "application/json", Body: `{"errorCode":"BXNIM0109E","errorMessage":"Invalid request."}`}
	h, _ := setupHost(t)
	h.IAM.IDSuffix("'$(touch pwned)\x1b[1A\r\nUndone: the service ID everything was deleted.")
	h.IAM.FailNext("POST /v1/apikeys", bad)
	h.IAM.FailNext("DELETE /v1/serviceids/", bad)
	h.IAM.FailNext("DELETE /v1/serviceids/", bad)
	r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", filepath.Join(h.Home, "k.json"))
	if r.Code != 1 || strings.ContainsRune(r.Stderr, '\x1b') || strings.ContainsRune(r.Stderr, '\r') {
		t.Fatalf("want FAILED with no control character:\n%q", r.Stderr)
	}
	var undone, notUndone []string
	for _, l := range strings.Split(r.Stderr, "\n") {
		switch {
		case strings.HasPrefix(l, "Undone: "):
			undone = append(undone, l)
		case strings.HasPrefix(l, "Not undone: "):
			notUndone = append(notUndone, l)
		}
	}
	if len(undone) != 1 || !strings.HasPrefix(undone[0], "Undone: the access policy") || len(notUndone) != 1 {
		t.Fatalf("the report was rewritten:\n%s", r.Stderr)
	}
	want := `Run 'ibmcloud iam service-id-delete 'ServiceId-00000001-aaaa-4bbb-8ccc-000000000001'\''$(touch pwned)\x1b[1A\r\nUndone: the service ID everything was deleted.' -f' to finish the deletion.`
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
	dir := filepath.Join(h.Home, "my keys $(touch pwned)")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "it's.json")
	r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", file, "--output", "json")
	var res struct {
		Next string `json:"next_command"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &res); r.Code != 0 || err != nil {
		t.Fatalf("setup: %v\n%s", err, r)
	}
	next := res.Next
	out, err := exec.Command("sh", "-c", "set -- "+strings.TrimPrefix(next, "ibmcloud ")+`; printf '%s\n' "$@"`).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{"kp-token", "get", "--apikey", "@" + file, "--instance-id", cmdtest.InstanceID}, "\n") + "\n"
	if string(out) != want {
		t.Fatalf("next_command %q reads back as\n%s", next, out)
	}
	if _, err := os.Stat(filepath.Join(h.Home, "pwned")); err == nil {
		t.Fatal("the next command ran a command")
	}
}
