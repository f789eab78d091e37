package kptoken_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

var lifecycleSignals = []struct {
	sig  syscall.Signal
	name string
}{{syscall.SIGINT, "SIGINT"}, {syscall.SIGTERM, "SIGTERM"}, {syscall.SIGHUP, "SIGHUP"}}

// setUpKPAuto runs setup for kp-auto with its key in file, and returns
// the key.
func setUpKPAuto(t *testing.T, h *cmdtest.Host, file string) iamtest.APIKeyRecord {
	t.Helper()
	if r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", file); r.Code != 0 {
		t.Fatalf("setup:\n%s", r)
	}
	keys := h.IAM.APIKeys()
	if len(keys) != 1 {
		t.Fatalf("%d keys", len(keys))
	}
	return keys[0]
}

func fileKey(t *testing.T, file string) string {
	t.Helper()
	var doc map[string]string
	b, _ := os.ReadFile(file)
	_ = json.Unmarshal(b, &doc)
	return doc["apikey"]
}

// TestRotateSignals sends SIGINT, SIGTERM and SIGHUP while the server
// holds each request of a rotation: until the file holds the new key,
// the new key is deleted again and the old one stays valid and in the
// file; after, the deletion under way ends and the rotation says so. The
// exit status is 128+signal.
func TestRotateSignals(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX signals")
	}
	steps := []struct {
		name, route string
		said        []string // after "The rotation was stopped by SIG..."
		saved       bool
	}{
		{"looking for the service ID", "GET /v1/serviceids/", []string{" before it changed anything."}, false},
		{"listing its keys", "GET /v1/apikeys$", []string{" before it changed anything."}, false},
		{"reading the key in the file", "GET /v1/apikeys/details", []string{" before it changed anything."}, false},
		{"creating the new key", "POST /v1/apikeys", []string{".", "Undone: the API key ApiKey-",
			"No API key was deleted: the old ones are still valid."}, false},
		{"getting a token with it", "POST /identity/token", []string{".", "Undone: the API key file FILE.new was deleted.",
			"Undone: the API key ApiKey-", "No API key was deleted: the old ones are still valid."}, false},
		{"deleting the old key", "DELETE /v1/apikeys/", []string{" after the new API key ApiKey-", " was saved to FILE; it works.",
			"Deleted: the old API key OLD."}, true},
	}
	for _, step := range steps {
		for _, s := range lifecycleSignals {
			t.Run(step.name+" "+s.name, func(t *testing.T) {
				h, _ := setupHost(t)
				file := filepath.Join(h.Home, "kp-auto.json")
				old := setUpKPAuto(t, h, file)
				hold := h.IAM.HoldNext(step.route)
				defer hold.Release()
				cmd, wait := startArgs(h, "setup", "--rotate", "--name", "kp-auto", "--file", file)
				cmdtest.Arrive(t, hold, wait)
				_ = cmd.Process.Signal(s.sig)
				r := wait()
				if r.Code != 128+int(s.sig) || r.Stdout != "" || !strings.Contains(r.Stderr, "FAILED\n") {
					t.Fatalf("want FAILED and exit %d:\n%s", 128+int(s.sig), r)
				}
				want := []string{"The rotation was stopped by " + s.name}
				for _, w := range step.said {
					want = append(want, strings.NewReplacer("FILE", file, "OLD", old.ID).Replace(w))
				}
				cmdtest.AssertInOrder(t, r, want...)
				cmdtest.AssertNoKeyFile(t, file+".new")
				keys := h.IAM.APIKeys()
				if step.saved {
					if len(keys) != 1 || keys[0].ID == old.ID || fileKey(t, file) != keys[0].Key {
						t.Fatalf("want the new key alone, in the file (%d keys)", len(keys))
					}
					return
				}
				if len(keys) != 1 || keys[0].ID != old.ID || fileKey(t, file) != old.Key {
					t.Fatalf("want the old key alone, in the file (%d keys)", len(keys))
				}
			})
		}
	}
}

// TestRemoveSignals: a signal while the removal looks deletes nothing;
// during the deletions, the one under way ends and the rest is listed
// with the commands that delete it.
func TestRemoveSignals(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX signals")
	}
	steps := []struct {
		name, route            string
		said                   []string
		policiesLeft, sidsLeft int
	}{
		{"looking for the service ID", "GET /v1/serviceids/", []string{" before it deleted anything."}, 2, 1},
		{"reading the key in the file", "GET /v1/apikeys/details", []string{" before it deleted anything."}, 2, 1},
		{"listing its policies", "GET /v1/policies", []string{" before it deleted anything."}, 2, 1},
		{"listing its keys", "GET /v1/apikeys$", []string{" before it deleted anything."}, 2, 1},
		{"deleting the first policy", "DELETE /v1/policies/", []string{".", "Deleted: the access policy P0.",
			"Not deleted: the access policy P1. Delete it by running 'ibmcloud iam service-policy-delete SID P1 -f'.",
			"Not deleted: the service ID kp-auto (SID) and its API keys. Delete them by running 'ibmcloud iam service-id-delete SID -f'.",
			"Not deleted: the file FILE."}, 1, 1},
		{"deleting the service ID", "DELETE /v1/serviceids/", []string{".", "Deleted: the access policy P0.", "Deleted: the access policy P1.",
			"Deleted: the service ID kp-auto (SID) and its API keys.", "Not deleted: the file FILE. Delete it by running 'rm -- FILE'."}, 0, 0},
	}
	for _, step := range steps {
		for _, s := range lifecycleSignals {
			t.Run(step.name+" "+s.name, func(t *testing.T) {
				h, _ := setupHost(t)
				file := filepath.Join(h.Home, "kp-auto.json")
				setUpKPAuto(t, h, file)
				sid := h.IAM.ServiceIDs()[0]
				h.IAM.AddPolicy(iamtest.PolicyRecord{Subject: sid.IAMID, Role: "crn:v1:bluemix:public:iam::::serviceRole:Reader",
					Account: sid.Account, Service: "cloud-object-storage"})
				var pols []string
				for _, p := range h.IAM.Policies() {
					pols = append(pols, p.ID)
				}
				sort.Strings(pols)
				hold := h.IAM.HoldNext(step.route)
				defer hold.Release()
				cmd, wait := startArgs(h, "setup", "--remove", "--name", "kp-auto", "--file", file, "-f")
				cmdtest.Arrive(t, hold, wait)
				_ = cmd.Process.Signal(s.sig)
				r := wait()
				if r.Code != 128+int(s.sig) || r.Stdout != "" || !strings.Contains(r.Stderr, "FAILED\n") {
					t.Fatalf("want FAILED and exit %d:\n%s", 128+int(s.sig), r)
				}
				want := []string{"The removal was stopped by " + s.name}
				for _, w := range step.said {
					want = append(want, strings.NewReplacer("FILE", file, "SID", sid.ID, "P0", pols[0], "P1", pols[1]).Replace(w))
				}
				cmdtest.AssertInOrder(t, r, want...)
				if len(h.IAM.Policies()) != step.policiesLeft || len(h.IAM.ServiceIDs()) != step.sidsLeft {
					t.Fatalf("left %d policies, %d service IDs", len(h.IAM.Policies()), len(h.IAM.ServiceIDs()))
				}
				if _, err := os.Stat(file); err != nil {
					t.Fatal("the file was deleted after the signal")
				}
			})
		}
	}
}

// TestRemoveAsksOnATerminal: on a terminal, --remove asks with the SDK's
// prompt, whose own words (an answer it does not understand) are in the
// CLI's language like kp-token's.
func TestRemoveAsksOnATerminal(t *testing.T) {
	for _, tt := range []struct {
		answer, said string
		deleted      bool
	}{
		{"peut-être\rn\r", "L'entrée doit être 'y', 'n', 'yes' ou 'no'.", false},
		{"y\r", "", true},
	} {
		t.Run(tt.answer, func(t *testing.T) {
			h, _ := setupHost(t)
			h.LoginUser(time.Hour, func(s *iamtest.Session) { s.Locale = "fr_FR" })
			file := filepath.Join(h.Home, "kp-auto.json")
			setUpKPAuto(t, h, file)
			tty, typed := cmdtest.Terminal(t)
			go func() {
				time.Sleep(200 * time.Millisecond)
				_, _ = typed.Write([]byte(tt.answer))
			}()
			r := h.RunInput(tty, "setup", "--remove", "--name", "kp-auto")
			if r.Code != 0 {
				t.Fatalf("remove:\n%s", r)
			}
			cmdtest.AssertInOrder(t, r, "Les éléments suivants vont être supprimés\u00a0:", "Supprimer l'ID de service kp-auto et tous les éléments ci-dessus\u00a0? [y/N]", tt.said)
			if tt.deleted != (len(h.IAM.ServiceIDs()) == 0) {
				t.Fatalf("deleted: %v, want %v:\n%s", len(h.IAM.ServiceIDs()) == 0, tt.deleted, r)
			}
			if !tt.deleted && !strings.Contains(r.Stderr, "Rien n'a été supprimé.") {
				t.Fatalf("no word of it:\n%s", r)
			}
			if _, err := os.Stat(file); err != nil {
				t.Fatal("the file was deleted without --file")
			}
		})
	}
}

// TestRotateTraceHidesTheKeys: neither the key being replaced (sent in
// the IAM-ApiKey header) nor the new one (in IAM's reply and the token
// request) reaches a trace.
func TestRotateTraceHidesTheKeys(t *testing.T) {
	h, _ := setupHost(t)
	file := filepath.Join(h.Home, "kp-auto.json")
	old := setUpKPAuto(t, h, file)
	h.IAM.OddSpacing()
	r := h.RunEnv(map[string]string{"IBMCLOUD_TRACE": "true"}, "", "setup", "--rotate", "--name", "kp-auto", "--file", file)
	if r.Code != 0 {
		t.Fatalf("rotate:\n%s", r)
	}
	trace := r.Stdout + r.Stderr
	cmdtest.AssertNoSecrets(t, "trace", trace, old.Key, fileKey(t, file))
	if !strings.Contains(strings.ToLower(trace), "iam-apikey: [private data hidden]") || !strings.Contains(trace, `"apikey" : "[PRIVATE DATA HIDDEN]"`) {
		t.Fatalf("the trace shows neither the header nor the reply:\n%s", trace)
	}
}
