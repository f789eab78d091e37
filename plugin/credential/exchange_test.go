package credential

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// TestExchange: a key is traded at the run's IAM endpoint, past the cache,
// learnt as a secret with the tokens; a key IAM does not know is
// KindNotFound; a cancelled wait (a signal) ends at once.
func TestExchange(t *testing.T) {
	srv := iamtest.New()
	defer srv.Close()
	srv.AddAPIKey(key, iamtest.ServiceID)
	dir := t.TempDir()
	r, _ := newResolver(&fakeSession{iam: srv.URL}, nil, dir, "")
	tok, err := r.Exchange(context.Background(), key)
	if err != nil || tok.AccessToken == "" || r.Secrets.Scrub(key+" "+tok.AccessToken) != failure.Hidden+" "+failure.Hidden {
		t.Fatalf("exchange: %v %v", tok, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("the proof went to the cache: %v", entries)
	}
	if _, err := r.Exchange(context.Background(), "Zz9_unknown000000000000000000000000000000000"); !failure.Is(err, failure.KindNotFound) {
		t.Fatalf("unknown key: %v", err)
	}
	hold := srv.HoldNext("POST /identity/token")
	defer hold.Release()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := r.Exchange(ctx, key); done <- err }()
	<-hold.Arrived
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the wait did not end with its context")
	}
}
