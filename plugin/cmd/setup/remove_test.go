package setup_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// removeHost is a host after setup (kp-auto, its key in file), with a
// second access policy for the service ID on another service and another
// service ID's policy that stays.
func removeHost(t *testing.T) (h *cmdtest.Host, file string, mine []string, theirs iamtest.PolicyRecord) {
	t.Helper()
	h, _ = setupHost(t)
	file = filepath.Join(h.Home, "kp-auto.json")
	setUp(t, h, file)
	sid := h.IAM.ServiceIDs()[0] // the only one yet
	cos := h.IAM.AddPolicy(iamtest.PolicyRecord{Subject: sid.IAMID, Role: "crn:v1:bluemix:public:iam::::serviceRole:Reader",
		Account: sid.Account, Service: "cloud-object-storage"})
	other := h.IAM.AddServiceID(iamtest.User.Account, "other")
	theirs = h.IAM.AddPolicy(iamtest.PolicyRecord{Subject: other.IAMID, Role: "crn:v1:bluemix:public:iam::::serviceRole:Reader",
		Account: other.Account, Service: "kms", Instance: cmdtest.InstanceID})
	for _, p := range h.IAM.Policies() {
		if p.Subject == sid.IAMID {
			mine = append(mine, p.ID)
		}
	}
	sort.Strings(mine) // as IAM lists them
	if len(mine) != 2 || !contains(mine, cos.ID) {
		t.Fatalf("policies: %v", h.IAM.Policies())
	}
	return h, file, mine, theirs
}

// sidNamed is the ID of the service ID named name.
func sidNamed(h *cmdtest.Host, name string) string {
	for _, s := range h.IAM.ServiceIDs() {
		if s.Name == name {
			return s.ID
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// onlyOthersLeft checks that kp-auto, its policies and keys are gone and
// the other service ID and its policy stayed.
func onlyOthersLeft(t *testing.T, h *cmdtest.Host, theirs iamtest.PolicyRecord) {
	t.Helper()
	sids, pols, keys := h.IAM.ServiceIDs(), h.IAM.Policies(), h.IAM.APIKeys()
	if len(sids) != 1 || sids[0].Name != "other" || len(pols) != 1 || pols[0].ID != theirs.ID || len(keys) != 0 {
		t.Fatalf("left: %v %v %v", sids, pols, keys)
	}
}

func TestRemove(t *testing.T) {
	for _, tt := range []struct {
		name     string
		args     []string
		fileGone bool
	}{
		{"with -f, the file kept", []string{"-f"}, false},
		{"with -f and --file", []string{"-f", "--file", "FILE"}, true},
		{"in JSON", []string{"-f", "--file", "FILE", "--output", "json"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, file, mine, theirs := removeHost(t)
			id := sidNamed(h, "kp-auto")
			key := h.IAM.APIKeys()[0]
			args := []string{"setup", "--remove", "--name", "kp-auto"}
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "FILE", file))
			}
			r := h.Run("", args...)
			if r.Code != 0 {
				t.Fatalf("remove:\n%s", r)
			}
			onlyOthersLeft(t, h, theirs)
			if _, err := os.Stat(file); (err != nil) != tt.fileGone {
				t.Fatalf("file gone: %v, want %v", err != nil, tt.fileGone)
			}
			if works(h, key.Key) {
				t.Fatal("the service ID's key still works")
			}
			cmdtest.AssertNoSecrets(t, "output", r.Stdout+r.Stderr, key.Key)
			if strings.Contains(r.Stdout, "--output") || contains(tt.args, "json") {
				res := cmdtest.JSONOf(t, r)
				pols, _ := res["deleted_policy_ids"].([]any)
				keys, _ := res["deleted_apikey_ids"].([]any)
				if res["service_id"] != id || len(pols) != 2 || len(keys) != 1 || keys[0] != key.ID || res["deleted_file"] != file {
					t.Fatalf("JSON: %v", res)
				}
				return
			}
			cmdtest.AssertInOrder(t, r, "Deleting the access policy "+mine[0], "Deleting the access policy "+mine[1],
				"Deleting the service ID kp-auto ("+id+") and its API keys...")
			if r.Stdout != "" || !strings.Contains(r.Stderr, "...\nOK\n") || !strings.Contains(r.Stderr, "kp-auto ("+id+")") ||
				!strings.Contains(r.Stderr, "Access policies:  "+mine[0]+", "+mine[1]) || !strings.Contains(r.Stderr, "API keys:         "+key.ID) {
				t.Fatalf("the report (stderr only):\n%s", r)
			}
		})
	}
}

// TestRemoveAsks: without -f the list of what will go is shown and the
// SDK's prompt asks, on stderr; only yes deletes. Without a terminal to
// ask on, -f is required and nothing is asked of IAM.
func TestRemoveAsks(t *testing.T) {
	t.Run("not a terminal", func(t *testing.T) {
		h, file, _, _ := removeHost(t)
		before := len(h.IAM.Policies())
		r := h.Run("y\n", "setup", "--remove", "--name", "kp-auto", "--file", file)
		cmdtest.ExpectFailure(t, r, 2, "Standard input is not a terminal, so the removal cannot ask for confirmation: pass -f to delete without asking.", "Incorrect Usage")
		if len(h.IAM.ServiceIDs()) != 2 || len(h.IAM.Policies()) != before {
			t.Fatal("something was deleted")
		}
	})
	for _, tt := range []struct {
		answer  string
		deleted bool
	}{{"y\n", true}, {"yes\n", true}, {"n\n", false}, {"\n", false}, {"maybe\nno\n", false}} {
		t.Run(fmt.Sprintf("answer %q", tt.answer), func(t *testing.T) {
			h, file, mine, theirs := removeHost(t)
			tty, typed := cmdtest.Terminal(t)
			sid := sidNamed(h, "kp-auto")
			go func() {
				// Typed once the question is there; a terminal keeps what
				// comes earlier anyway.
				time.Sleep(100 * time.Millisecond)
				_, _ = typed.Write([]byte(strings.ReplaceAll(tt.answer, "\n", "\r")))
			}()
			r := h.RunInput(tty, "setup", "--remove", "--name", "kp-auto", "--file", file, "--output", "json")
			if r.Code != 0 {
				t.Fatalf("remove:\n%s", r)
			}
			cmdtest.AssertInOrder(t, r, "The following will be deleted:", "Service ID:       kp-auto ("+sid+")",
				"Access policies:  "+mine[0]+", "+mine[1], "Key file:", file, "Delete the service ID kp-auto and everything listed above? [y/N]")
			if tt.deleted {
				onlyOthersLeft(t, h, theirs)
				if _, err := os.Stat(file); err == nil || cmdtest.JSONOf(t, r)["service_id"] != sid {
					t.Fatalf("want the file gone and JSON on stdout:\n%s", r)
				}
				return
			}
			if r.Stdout != "" || !strings.Contains(r.Stderr, "Nothing was deleted.") || len(h.IAM.ServiceIDs()) != 2 || len(h.IAM.Policies()) != 3 {
				t.Fatalf("want nothing deleted:\n%s", r)
			}
			if _, err := os.Stat(file); err != nil {
				t.Fatal("the file was deleted")
			}
			if strings.Contains(tt.answer, "maybe") && !strings.Contains(r.Stderr, "'y', 'n', 'yes' or 'no'") {
				t.Fatalf("an answer not understood is asked again:\n%s", r)
			}
		})
	}
}

func TestRemoveRefusals(t *testing.T) {
	tests := []struct {
		name          string
		prepare       func(t *testing.T, h *cmdtest.Host, file string) []string
		code          int
		cause, remedy string
	}{
		{"no service ID of that name", func(t *testing.T, h *cmdtest.Host, file string) []string {
			return []string{"--name", "nobody"}
		}, 1, "No service ID named nobody was found in the account " + iamtest.User.Account + "; nothing was changed.", "ibmcloud iam service-ids"},
		{"several service IDs of that name", func(t *testing.T, h *cmdtest.Host, file string) []string {
			h.IAM.AddServiceID(iamtest.User.Account, "kp-auto")
			return []string{"--name", "kp-auto"}
		}, 1, "Several service IDs are named kp-auto in the account " + iamtest.User.Account, "ibmcloud iam service-id-update"},
		{"a key of another service ID in the file", func(t *testing.T, h *cmdtest.Host, file string) []string {
			other := h.IAM.ServiceIDs()
			for _, s := range other {
				if s.Name == "other" {
					_ = os.WriteFile(file, []byte(h.IAM.AddServiceIDKey(s, "other").Key), 0o600)
				}
			}
			return []string{"--name", "kp-auto", "--file", file}
		}, 1, "The API key in FILE is not a key of the service ID kp-auto", "--file FILE"},
		{"a user's key in the file", func(t *testing.T, h *cmdtest.Host, file string) []string {
			_ = os.WriteFile(file, []byte(cmdtest.UserKey), 0o600)
			return []string{"--name", "kp-auto", "--file", file}
		}, 1, "The API key in FILE is not a key of the service ID kp-auto", "--file FILE"},
		{"a file that is not there", func(t *testing.T, h *cmdtest.Host, file string) []string {
			return []string{"--name", "kp-auto", "--file", file + ".typo"}
		}, 1, "The API key file FILE.typo does not exist.", "ibmcloud iam service-api-key-create"},
		{"a folder for a file", func(t *testing.T, h *cmdtest.Host, file string) []string {
			return []string{"--name", "kp-auto", "--file", h.Home}
		}, 1, "is not a regular file; nothing was changed.", "not a link"},
		{"--keep-old", func(t *testing.T, h *cmdtest.Host, file string) []string {
			return []string{"--name", "kp-auto", "--keep-old"}
		}, 2, "The option --keep-old needs --rotate.", "Incorrect Usage"},
		{"an option of the creation", func(t *testing.T, h *cmdtest.Host, file string) []string {
			return []string{"--name", "kp-auto", "--instance-id", cmdtest.InstanceID}
		}, 2, "The option --instance-id cannot be used with --remove.", "Incorrect Usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, file, _, _ := removeHost(t)
			args := tt.prepare(t, h, file)
			sids, pols := len(h.IAM.ServiceIDs()), len(h.IAM.Policies())
			r := h.Run("", append([]string{"setup", "--remove", "-f"}, args...)...)
			cmdtest.ExpectFailure(t, r, tt.code, strings.ReplaceAll(tt.cause, "FILE", file), tt.remedy)
			if len(h.IAM.ServiceIDs()) != sids || len(h.IAM.Policies()) != pols {
				t.Fatal("something was deleted")
			}
			if _, err := os.Stat(file); err != nil {
				t.Fatal("the file was deleted")
			}
		})
	}
}

// TestRemoveFailures: a deletion IAM refuses stops the removal, which
// says what was deleted and what is left, with the commands that finish
// it; one whose answer was lost is looked up.
func TestRemoveFailures(t *testing.T) {
	forbidden := iamtest.Reply{Status: 403, ContentType: "application/json", Body: `{"trace":"x","errors":[{"code":"forbidden","message":"Not allowed."}],"status_code":403}`}
	busy := iamtest.Reply{Status: 503, ContentType: "application/json", Body: `{"errorCode":"BXNIM0999E","errorMessage":"Service unavailable."}`}
	t.Run("the second policy refused", func(t *testing.T) {
		h, file, mine, _ := removeHost(t)
		sid := sidNamed(h, "kp-auto")
		h.IAM.FailNext("DELETE /v1/policies/"+mine[1], forbidden)
		r := h.Run("", "setup", "--remove", "--name", "kp-auto", "-f", "--file", file)
		expectFailed(t, r, 1, "could not delete the access policy "+mine[1]+" (HTTP 403): Not allowed.",
			"Deleted: the access policy "+mine[0]+".",
			"Not deleted: the access policy "+mine[1]+". Delete it by running 'ibmcloud iam service-policy-delete "+sid+" "+mine[1]+" -f'.",
			"Not deleted: the service ID kp-auto ("+sid+") and its API keys. Delete them by running 'ibmcloud iam service-id-delete "+sid+" -f'.",
			"Not deleted: the file "+file+". Delete it by running 'rm -- "+file+"'.",
			"Administrator role")
		if len(h.IAM.Policies()) != 2 || len(h.IAM.ServiceIDs()) != 2 {
			t.Fatal("want the second policy and the service ID left")
		}
	})
	t.Run("the service ID deleted, then 503", func(t *testing.T) {
		h, file, _, theirs := removeHost(t)
		h.IAM.FailAfter("DELETE /v1/serviceids/", busy)
		r := h.Run("", "setup", "--remove", "--name", "kp-auto", "-f", "--file", file)
		if r.Code != 0 {
			t.Fatalf("want the deletion found done:\n%s", r)
		}
		onlyOthersLeft(t, h, theirs)
	})
	t.Run("the service ID unclear, the lookup fails", func(t *testing.T) {
		h, file, _, _ := removeHost(t)
		sid := sidNamed(h, "kp-auto")
		for range 4 {
			h.IAM.FailNext("DELETE /v1/serviceids/", busy)
		}
		h.IAM.FailNext("GET /v1/serviceids/", iamtest.Reply{Status: 200, ContentType: "application/json",
			Body: fmt.Sprintf(`{"serviceids":[{"id":%q,"iam_id":"iam-%s","name":"kp-auto"}]}`, sid, sid)})
		h.IAM.FailNext("GET /v1/serviceids/", forbidden)
		r := h.Run("", "setup", "--remove", "--name", "kp-auto", "-f", "--file", file)
		expectFailed(t, r, 1, "could not delete the service ID "+sid+" (HTTP 503): Service unavailable.",
			"Deleted: the access policy", "Deleted: the access policy",
			"Not verified: the service ID kp-auto ("+sid+") may have been deleted. Check by running 'ibmcloud iam service-id "+sid+"'.",
			"Not deleted: the file "+file+".")
	})
	t.Run("the file", func(t *testing.T) {
		h, file, _, theirs := removeHost(t)
		dir := filepath.Join(h.Home, "ro")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		inside := filepath.Join(dir, "kp-auto.json")
		if err := os.Rename(file, inside); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o700)
		if os.Getuid() == 0 {
			t.Skip("root deletes files in read-only folders")
		}
		r := h.Run("", "setup", "--remove", "--name", "kp-auto", "-f", "--file", inside)
		expectFailed(t, r, 1, "The file "+inside+" could not be deleted.", "Deleted: the service ID kp-auto",
			"Not deleted: the file "+inside+". Delete it by running 'rm -- "+inside+"'.")
		onlyOthersLeft(t, h, theirs)
	})
}

// TestRemoveEscapesServerText: IDs from a hostile IAM reach the report
// escaped, and the commands in it quoted.
func TestRemoveEscapesServerText(t *testing.T) {
	h, _ := setupHost(t)
	h.IAM.IDSuffix("'$(touch pwned)\x1b[1A\r\nDeleted: the service ID everything.")
	h.IAM.AddServiceID(iamtest.User.Account, "kp-auto")
	bad := iamtest.Reply{Status: 400, ContentType: "application/json", Body: `{"errorCode":"BXNIM0109E","errorMessage":"Invalid request."}`}
	h.IAM.FailNext("DELETE /v1/serviceids/", bad)
	r := h.Run("", "setup", "--remove", "--name", "kp-auto", "-f")
	if r.Code != 1 || strings.ContainsAny(r.Stderr, "\x1b\r") {
		t.Fatalf("want FAILED with no control character:\n%q", r.Stderr)
	}
	for _, l := range strings.Split(r.Stderr, "\n") {
		if strings.HasPrefix(l, "Deleted: ") {
			t.Fatalf("the report was rewritten:\n%s", r.Stderr)
		}
	}
	want := `Delete them by running 'ibmcloud iam service-id-delete 'ServiceId-00000001-aaaa-4bbb-8ccc-000000000001'\''$(touch pwned)\x1b[1A\r\nDeleted: the service ID everything.' -f'.`
	if !strings.Contains(r.Stderr, want) {
		t.Fatalf("the command is not one quoted word:\n%s\nwant %s", r.Stderr, want)
	}
}

// TestRemoveAFileIAMForgot: a key file whose key works nowhere goes with
// the service ID.
func TestRemoveAFileIAMForgot(t *testing.T) {
	h, file, _, theirs := removeHost(t)
	if err := os.WriteFile(file, []byte(`{"apikey":"Zz9_gone000000000000000000000000000000000000"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := h.Run("", "setup", "--remove", "--name", "kp-auto", "-f", "--file", file)
	if r.Code != 0 {
		t.Fatalf("remove:\n%s", r)
	}
	onlyOthersLeft(t, h, theirs)
	if _, err := os.Stat(file); err == nil {
		t.Fatal("the file was kept")
	}
}
