package serviceid

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/httpclient"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/token"
)

// fakeInterrupt is signals.Interrupt without the process's signals: a
// test fires one at the step it holds.
type fakeInterrupt struct {
	work, undo context.Context
	cancelWork context.CancelFunc
	mu         sync.Mutex
	sig        os.Signal
}

func newInterrupt() *fakeInterrupt {
	i := &fakeInterrupt{undo: context.Background()}
	i.work, i.cancelWork = context.WithCancel(context.Background())
	return i
}

func (i *fakeInterrupt) fire(s os.Signal) {
	i.mu.Lock()
	i.sig = s
	i.mu.Unlock()
	i.cancelWork()
}

func (i *fakeInterrupt) Work() context.Context { return i.work }
func (i *fakeInterrupt) Undo() context.Context { return i.undo }
func (i *fakeInterrupt) Caught() os.Signal {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.sig
}
func (i *fakeInterrupt) Stop() os.Signal { return i.Caught() }

type quiet struct{}

func (quiet) Notice(string, map[string]any) {}

// world is an IAM with the service ID kp-auto, its key kp-auto in a key
// file, and an access policy.
type world struct {
	iam    *iamtest.Server
	api    *Client
	sid    iamtest.ServiceIDRecord
	old    iamtest.APIKeyRecord
	policy iamtest.PolicyRecord
	file   string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	iam := iamtest.New()
	t.Cleanup(iam.Close)
	w := &world{iam: iam}
	var err error
	w.api, err = New(iam.URL, iam.AccessToken(iamtest.User, "urn:ibm:params:oauth:grant-type:passcode", time.Hour), httpclient.New(10*time.Second), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	w.sid = iam.AddServiceID(iamtest.User.Account, "kp-auto")
	w.old = iam.AddServiceIDKey(w.sid, "kp-auto")
	w.policy = iam.AddPolicy(iamtest.PolicyRecord{Subject: w.sid.IAMID, Role: roleCRN("Reader"), Account: w.sid.Account, Service: "kms", Instance: "x"})
	w.file = filepath.Join(t.TempDir(), "kp-auto.json")
	if err := os.WriteFile(w.file, []byte(`{"apikey":"`+w.old.Key+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return w
}

// prove is credential.Resolver.Exchange's wait: the exchange itself takes
// no context.
func (w *world) prove(ctx context.Context, key string) error {
	done := make(chan error, 1)
	go func() {
		_, err := (&token.IAM{URL: w.iam.URL, Client: httpclient.New(10 * time.Second)}).FromAPIKey(key, "")
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *world) keyIDs() []string {
	var ids []string
	for _, k := range w.iam.APIKeys() {
		ids = append(ids, k.ID)
	}
	slices.Sort(ids)
	return ids
}

func lineIDs(err error) (cause string, lines []string, code int) {
	f, ok := failure.As(err)
	if !ok {
		return "", nil, 0
	}
	for _, l := range f.Lines {
		lines = append(lines, l.ID)
	}
	return f.Cause, lines, f.ExitCode
}

// runHeld runs f while the server holds the request of route, fires
// SIGINT once it has been carried out, and returns f's error.
func runHeld(t *testing.T, w *world, route string, f func(intr Interrupt) error) error {
	t.Helper()
	hold := w.iam.HoldNext(route)
	defer hold.Release()
	intr := newInterrupt()
	done := make(chan error, 1)
	go func() { done <- f(intr) }()
	select {
	case <-hold.Arrived:
	case err := <-done:
		t.Fatalf("the request %s never came: %v", route, err)
	case <-time.After(30 * time.Second):
		t.Fatalf("the request %s never came", route)
	}
	intr.fire(syscall.SIGINT)
	return <-done
}

// TestRotationInterruptedAtEachStep: before the file holds the new key, a
// signal undoes the new key and leaves the old one valid and in the file;
// after, it stops the deletions and says what is left.
func TestRotationInterruptedAtEachStep(t *testing.T) {
	tests := []struct {
		route string
		cause string
		lines []string
		// newSaved: the file holds the new key, and the old key was
		// deleted by the held request.
		newSaved bool
	}{
		{"GET /v1/serviceids/", "setup_rotate_interrupted_none", nil, false},
		{"GET /v1/apikeys$", "setup_rotate_interrupted_none", nil, false},
		{"GET /v1/apikeys/details", "setup_rotate_interrupted_none", nil, false},
		{"POST /v1/apikeys", "setup_rotate_interrupted", []string{"setup_undone", "setup_rotate_old_valid"}, false},
		{"POST /identity/token", "setup_rotate_interrupted", []string{"setup_undone", "setup_undone", "setup_rotate_old_valid"}, false},
		{"DELETE /v1/apikeys/", "setup_rotate_interrupted_saved", []string{"setup_rotate_deleted"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.route, func(t *testing.T) {
			w := newWorld(t)
			r := Rotation{Account: iamtest.User.Account, Name: "kp-auto", File: w.file, CreatedAt: time.Now(), Prove: w.prove}
			secrets := &failure.Secrets{}
			if err := r.Check(secrets); err != nil {
				t.Fatal(err)
			}
			var res Rotated
			err := runHeld(t, w, tt.route, func(intr Interrupt) (err error) {
				res, err = r.Run(w.api, intr, quiet{}, secrets)
				return err
			})
			cause, lines, code := lineIDs(err)
			if cause != tt.cause || !slices.Equal(lines, tt.lines) || code != 130 {
				t.Fatalf("got %s %v exit %d, want %s %v exit 130 (%v)", cause, lines, code, tt.cause, tt.lines, err)
			}
			if _, err := os.Lstat(r.Pending()); err == nil {
				t.Fatal("the pending file was left")
			}
			var doc map[string]string
			b, _ := os.ReadFile(w.file)
			_ = json.Unmarshal(b, &doc)
			keys := w.keyIDs()
			if tt.newSaved {
				if len(keys) != 1 || keys[0] != res.APIKeyID || doc["apikey"] == w.old.Key {
					t.Fatalf("want only the new key, in the file: %v", keys)
				}
				return
			}
			if len(keys) != 1 || keys[0] != w.old.ID || doc["apikey"] != w.old.Key {
				t.Fatalf("want only the old key, in the file: %v %v", keys, doc)
			}
		})
	}
	t.Run("the second of two old keys is left", func(t *testing.T) {
		w := newWorld(t)
		second := w.iam.AddServiceIDKey(w.sid, "kp-auto")
		_ = os.Remove(w.file)
		r := Rotation{Account: iamtest.User.Account, Name: "kp-auto", File: w.file, CreatedAt: time.Now(), Prove: w.prove}
		if err := r.Check(&failure.Secrets{}); err != nil {
			t.Fatal(err)
		}
		err := runHeld(t, w, "DELETE /v1/apikeys/", func(intr Interrupt) error {
			_, err := r.Run(w.api, intr, quiet{}, &failure.Secrets{})
			return err
		})
		cause, lines, _ := lineIDs(err)
		f, _ := failure.As(err)
		if cause != "setup_rotate_interrupted_saved" || !slices.Equal(lines, []string{"setup_rotate_deleted", "setup_rotate_left"}) ||
			f.Lines[1].Data["Command"] != "ibmcloud iam service-api-key-delete "+second.ID+" "+w.sid.ID+" -f" {
			t.Fatalf("got %v", f)
		}
		if !slices.Contains(w.keyIDs(), second.ID) || slices.Contains(w.keyIDs(), w.old.ID) {
			t.Fatalf("keys %v", w.keyIDs())
		}
	})
}

// TestRemovalInterruptedAtEachStep: a signal while the removal looks finds
// nothing deleted; during the deletions, the one under way ends and the
// rest is left, listed.
func TestRemovalInterruptedAtEachStep(t *testing.T) {
	tests := []struct {
		route  string
		survey bool
		lines  []string
	}{
		{"GET /v1/serviceids/", true, nil},
		{"GET /v1/apikeys/details", true, nil},
		{"GET /v1/policies", true, nil},
		{"GET /v1/apikeys$", true, nil},
		{"DELETE /v1/policies/", false, []string{"setup_remove_deleted_policy", "setup_remove_left_policy", "setup_remove_left_serviceid", "setup_remove_left_file"}},
		{"DELETE /v1/serviceids/", false, []string{"setup_remove_deleted_policy", "setup_remove_deleted_policy", "setup_remove_deleted_serviceid", "setup_remove_left_file"}},
	}
	for _, tt := range tests {
		t.Run(tt.route, func(t *testing.T) {
			w := newWorld(t)
			second := w.iam.AddPolicy(iamtest.PolicyRecord{Subject: w.sid.IAMID, Role: roleCRN("Reader"), Account: w.sid.Account, Service: "cloud-object-storage"})
			r := Removal{Account: iamtest.User.Account, Name: "kp-auto", File: w.file, Prove: w.prove}
			if err := r.Check(&failure.Secrets{}); err != nil {
				t.Fatal(err)
			}
			var err error
			if tt.survey {
				err = runHeld(t, w, tt.route, func(intr Interrupt) error {
					_, err := r.Survey(w.api, intr)
					return err
				})
				if cause, _, code := lineIDs(err); cause != "setup_remove_interrupted_none" || code != 130 {
					t.Fatalf("got %v", err)
				}
				if len(w.iam.Policies()) != 2 || len(w.iam.ServiceIDs()) != 1 {
					t.Fatal("something was deleted")
				}
				return
			}
			inv, err := r.Survey(w.api, newInterrupt())
			if err != nil || !slices.Equal(inv.Policies, []string{w.policy.ID, second.ID}) || len(inv.Keys) != 1 {
				t.Fatalf("survey: %+v %v", inv, err)
			}
			err = runHeld(t, w, tt.route, func(intr Interrupt) error { return inv.Delete(w.api, intr, quiet{}) })
			cause, lines, code := lineIDs(err)
			if cause != "setup_remove_interrupted" || !slices.Equal(lines, tt.lines) || code != 130 {
				t.Fatalf("got %s %v exit %d, want %v", cause, lines, code, tt.lines)
			}
			if _, err := os.Stat(w.file); err != nil {
				t.Fatal("the file was deleted after the signal")
			}
		})
	}
}
