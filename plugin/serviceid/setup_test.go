package serviceid

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

const setupInstance = "0d2a5b8e-1111-4c4c-9d9d-123456789abc"

func newPlan(t *testing.T) Plan {
	return Plan{Account: iamtest.User.Account, Name: "kp-new", InstanceID: setupInstance, Role: "Reader",
		File: filepath.Join(t.TempDir(), "kp-new.json"), CreatedAt: time.Now()}
}

// assertUntouched: the account holds what the world began with (kp-auto,
// its key and its policy) and no key file was written.
func assertUntouched(t *testing.T, w *world, p Plan) {
	t.Helper()
	if sids, pols, keys := w.iam.ServiceIDs(), w.iam.Policies(), w.iam.APIKeys(); len(sids) != 1 || len(pols) != 1 || len(keys) != 1 {
		t.Fatalf("left behind: %d service IDs, %d policies, %d keys (want 1 each)", len(sids), len(pols), len(keys))
	}
	if _, err := os.Lstat(p.File); err == nil {
		t.Fatal("the key file was left")
	}
}

func TestSetupRuns(t *testing.T) {
	w := newWorld(t)
	p := newPlan(t)
	secrets := &failure.Secrets{}
	res, err := p.Run(w.api, newInterrupt(), quiet{}, secrets)
	if err != nil {
		t.Fatal(err)
	}
	keys := w.iam.APIKeys()
	var made iamtest.APIKeyRecord
	for _, k := range keys {
		if k.ID == res.APIKeyID {
			made = k
		}
	}
	b, _ := os.ReadFile(p.File)
	if made.ID == "" || res.Reused || res.PolicyID == "" || len(w.iam.ServiceIDs()) != 2 || len(w.iam.Policies()) != 2 ||
		!strings.Contains(string(b), made.Key) || secrets.Scrub(string(b)) == string(b) {
		t.Fatalf("result %+v; key file %q; the new key is not a known secret", res, b)
	}
	if fi, err := os.Stat(p.File); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
}

// TestSetupInterruptedAtEachStep: a signal once a step's request has been
// carried out (its reply not yet read: the outcome is unclear) undoes
// everything the run made, that step's resource included, and exits 130.
func TestSetupInterruptedAtEachStep(t *testing.T) {
	tests := []struct {
		route string
		cause string
		lines []string
	}{
		{"GET /v1/serviceids/", "setup_interrupted_none", nil},
		{"POST /v1/serviceids", "setup_interrupted", []string{"setup_undone"}},
		{"POST /v1/policies", "setup_interrupted", []string{"setup_undone", "setup_undone"}},
		{"POST /v1/apikeys", "setup_interrupted", []string{"setup_undone", "setup_undone", "setup_undone"}},
	}
	for _, tt := range tests {
		t.Run(tt.route, func(t *testing.T) {
			w := newWorld(t)
			p := newPlan(t)
			err := runHeld(t, w, tt.route, func(intr Interrupt) error {
				_, err := p.Run(w.api, intr, quiet{}, &failure.Secrets{})
				return err
			})
			cause, lines, code := lineIDs(err)
			if cause != tt.cause || !slices.Equal(lines, tt.lines) || code != 130 {
				t.Fatalf("got %s %v exit %d, want %s %v exit 130 (%v)", cause, lines, code, tt.cause, tt.lines, err)
			}
			assertUntouched(t, w, p)
		})
	}
}

// TestSetupFailsAtEachStep: a step IAM refuses ends the run with its
// cause, after undoing the steps before it, each said.
func TestSetupFailsAtEachStep(t *testing.T) {
	refused := iamtest.Reply{Status: 403, ContentType: "application/json",
		Body: `{"errors":[{"code":"forbidden","message":"no"}],"status_code":403,"trace":"t"}`}
	tests := []struct {
		route string
		lines []string
	}{
		{"POST /v1/serviceids", nil},
		{"POST /v1/policies", []string{"setup_undone"}},
		{"POST /v1/apikeys", []string{"setup_undone", "setup_undone"}},
	}
	for _, tt := range tests {
		t.Run(tt.route, func(t *testing.T) {
			w := newWorld(t)
			p := newPlan(t)
			w.iam.FailNext(tt.route, refused)
			_, err := p.Run(w.api, newInterrupt(), quiet{}, &failure.Secrets{})
			cause, lines, code := lineIDs(err)
			if cause != "setup_forbidden" || !slices.Equal(lines, tt.lines) || code == 130 {
				t.Fatalf("got %s %v exit %d, want setup_forbidden and %v (%v)", cause, lines, code, tt.lines, err)
			}
			assertUntouched(t, w, p)
		})
	}
	t.Run("a key file that appears is never replaced", func(t *testing.T) {
		w := newWorld(t)
		p := newPlan(t)
		hold := w.iam.HoldNext("POST /v1/apikeys")
		done := make(chan error, 1)
		go func() { _, err := p.Run(w.api, newInterrupt(), quiet{}, &failure.Secrets{}); done <- err }()
		<-hold.Arrived
		if err := os.WriteFile(p.File, []byte("theirs"), 0o600); err != nil {
			t.Fatal(err)
		}
		hold.Release()
		cause, lines, _ := lineIDs(<-done)
		if b, _ := os.ReadFile(p.File); cause != "setup_file_appeared" || string(b) != "theirs" ||
			!slices.Equal(lines, []string{"setup_undone", "setup_undone", "setup_undone"}) {
			t.Fatalf("got %s %v, file %q", cause, lines, b)
		}
		if len(w.iam.ServiceIDs()) != 1 || len(w.iam.Policies()) != 1 || len(w.iam.APIKeys()) != 1 {
			t.Fatal("the run's resources were left")
		}
	})
}
