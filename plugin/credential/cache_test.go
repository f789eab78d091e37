package credential

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

const key = "Zk3_Ab9cD8eF7gH6iJ5kL4mN3oP2qR1sT0uV9wX8yZ7a"

// keyed is a resolver with an API key source (IBMCLOUD_API_KEY) against a fresh IAM server,
// and a cache in dir.
func keyed(t *testing.T, dir string) (*Resolver, *notices, *iamtest.Server, Source) {
	t.Helper()
	srv := iamtest.New()
	t.Cleanup(srv.Close)
	srv.AddAPIKey(key, iamtest.ServiceID)
	r, n := newResolver(nil, map[string]string{"IAM_ENDPOINT": srv.URL, "IBMCLOUD_API_KEY": key}, dir, "")
	return r, n, srv, Source{MinValidity: 5 * time.Minute, CacheWait: time.Second}
}

// TestCachePolicy: served while fresh, renewed with the refresh token when
// not, the key again when IAM refuses the refresh token.
func TestCachePolicy(t *testing.T) {
	r, n, srv, src := keyed(t, t.TempDir())
	srv.SetClock(-30 * time.Minute) // 1-hour tokens with 30 minutes left
	ctx := context.Background()
	first, err := r.Resolve(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := r.Resolve(ctx, src); err != nil || again != first || srv.Count() != 1 {
		t.Fatalf("not served from the cache (IAM requests %d): %v", srv.Count(), err)
	}
	src.MinValidity = 45 * time.Minute
	renewed, err := r.Resolve(ctx, src)
	if err != nil || renewed == first || srv.Requests()[1].Form["grant_type"] != "refresh_token" {
		t.Fatalf("not renewed with the refresh token: %v", err)
	}
	srv.ExpireRefreshTokens()
	if _, err := r.Resolve(ctx, src); err != nil || srv.Requests()[3].Form["grant_type"] != "urn:ibm:params:oauth:grant-type:apikey" {
		t.Fatalf("a refused refresh token did not fall back to the key: %v %+v", err, srv.Requests())
	}
	src.NoCache = true
	before := srv.Count()
	if _, err := r.Resolve(ctx, src); err != nil || srv.Count() != before+1 {
		t.Fatalf("--no-cache: %v", err)
	}
	if len(*n) != 0 {
		t.Fatalf("notices: %v", *n)
	}
}

// TestCacheTroubles: whatever goes wrong with the cache, the token is
// still obtained, and the user hears why once.
func TestCacheTroubles(t *testing.T) {
	t.Run("no cache", func(t *testing.T) {
		r, n, _, src := keyed(t, "")
		for range 2 {
			if _, err := r.Resolve(context.Background(), src); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(*n, []string{"warn cache_unavailable"}) {
			t.Fatalf("notices: %v", *n)
		}
	})
	t.Run("an unsafe folder", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "cache")
		if err := os.Symlink(t.TempDir(), dir); err != nil {
			t.Skip(err)
		}
		r, n, _, src := keyed(t, dir)
		if _, err := r.Resolve(context.Background(), src); err != nil || !slices.Equal(*n, []string{"warn cache_unsafe"}) {
			t.Fatalf("%v, notices %v", err, *n)
		}
	})
	t.Run("a damaged entry", func(t *testing.T) {
		dir := t.TempDir()
		r, n, srv, src := keyed(t, dir)
		k, _, _ := r.CacheKey(src)
		if err := os.WriteFile(filepath.Join(dir, k.ID()+".json"), []byte("{garbage"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Resolve(context.Background(), src); err != nil || srv.Count() != 1 || !slices.Equal(*n, []string{"notice cache_damaged"}) {
			t.Fatalf("%v, notices %v", err, *n)
		}
	})
	t.Run("the lock held elsewhere", func(t *testing.T) {
		dir := t.TempDir()
		r, n, _, src := keyed(t, dir)
		k, _, _ := r.CacheKey(src)
		c, _ := cache.Open(dir)
		unlock, err := c.Lock(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		src.CacheWait = 50 * time.Millisecond
		if _, err := r.Resolve(context.Background(), src); err != nil || !slices.Equal(*n, []string{"warn cache_lock_timeout"}) {
			t.Fatalf("%v, notices %v", err, *n)
		}
		if _, st := c.Load(k); st != cache.Missing {
			t.Fatal("written without the lock")
		}
	})
}

// TestOutageShared: an outage met under the lock answers the next caller
// without a request of its own.
func TestOutageShared(t *testing.T) {
	r, _, srv, src := keyed(t, t.TempDir())
	busy := iamtest.Reply{Status: 503, ContentType: "application/json", Body: `{"errorCode":"BXNIM0001E","errorMessage":"down"}`}
	srv.Script(busy, busy, busy, busy)
	r.HTTPClient = newResolverClient
	_, err := r.Resolve(context.Background(), src)
	if !failure.IsOutage(err) {
		t.Fatalf("err = %v", err)
	}
	before := srv.Count()
	_, err = r.Resolve(context.Background(), src)
	f, ok := failure.As(err)
	if !ok || srv.Count() != before || f.Cause != "iam_unavailable_code" || f.Note != "iam_shared_failure" {
		t.Fatalf("the outage was not shared (requests %d): %+v", srv.Count()-before, f)
	}
}

// TestCacheKey: one key per source; the session's tokens have none.
func TestCacheKey(t *testing.T) {
	r, _, srv, src := keyed(t, "")
	k, ok, err := r.CacheKey(src)
	if err != nil || !ok || k != (cache.Key{Endpoint: srv.URL, APIKey: key}) {
		t.Fatalf("CacheKey = %+v %v %v", k, ok, err)
	}
	nokey, _ := newResolver(nil, nil, "", "")
	if _, ok, err := nokey.CacheKey(Source{}); ok || err != nil {
		t.Fatalf("the session has a key: %v %v", ok, err)
	}
	profile := Source{APIKey: key, APIKeySet: true, Profile: "Profile-1", Account: "acc"}
	pk, ok, err := r.CacheKey(profile)
	if err != nil || !ok || pk.Source != "assume Profile-1 acc" || pk.ID() == k.ID() {
		t.Fatalf("profile key = %+v %v", pk, err)
	}
	if _, _, err := r.CacheKey(Source{CRTokenSet: true, VPC: true, Profile: "p"}); !failure.IsUsage(err) {
		t.Fatalf("two sources: %v", err)
	}
	if strings.Contains(k.ID(), key) {
		t.Fatal("the key is in the entry's name")
	}
}
