package get_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofrs/flock"
	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
)

func TestCacheServesAndRenews(t *testing.T) {
	h := cmdtest.New(t)
	// Tokens come out 30 minutes old: 1-hour tokens with 30 minutes left.
	h.IAM.SetClock(-30 * time.Minute)
	first := cmdtest.BearerOf(t, h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q").Stdout)
	second := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q")
	if cmdtest.BearerOf(t, second.Stdout) != first || h.IAM.Count() != 1 {
		t.Fatalf("second get was not served from the cache (IAM requests %d)", h.IAM.Count())
	}
	data, err := os.ReadFile(h.EntryPath(cmdtest.ServiceKey))
	if err != nil {
		t.Fatalf("no cache entry: %v", err)
	}
	if strings.Contains(string(data), cmdtest.ServiceKey) {
		t.Fatal("the API key was written to the cache")
	}
	// Another key has its own entry.
	if other := cmdtest.BearerOf(t, h.Run(cmdtest.UserKey, "get", "--apikey", "-", "-q").Stdout); other == first || h.IAM.Count() != 2 {
		t.Fatal("another API key got the first key's token")
	}
	// --no-cache goes to IAM and leaves the entry alone.
	if r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q", "--no-cache"); r.Code != 0 || cmdtest.BearerOf(t, r.Stdout) == first || h.IAM.Count() != 3 {
		t.Fatalf("--no-cache:\n%s", r)
	}
	if after, _ := os.ReadFile(h.EntryPath(cmdtest.ServiceKey)); string(after) != string(data) {
		t.Fatal("--no-cache rewrote the cache entry")
	}
	// A --min-validity longer than what is left renews with the refresh token.
	r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q", "--min-validity", "45m")
	if r.Code != 0 || cmdtest.BearerOf(t, r.Stdout) == first {
		t.Fatalf("renewal:\n%s", r)
	}
	reqs := h.IAM.Requests()
	if last := reqs[len(reqs)-1]; last.Form["grant_type"] != "refresh_token" || last.BasicUser != "bx" {
		t.Fatalf("renewal did not use the refresh token: %+v", last.Form["grant_type"])
	}
	// A refused refresh token falls back to the API key.
	h.IAM.ExpireRefreshTokens()
	r = h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q", "--min-validity", "45m")
	reqs = h.IAM.Requests()
	if r.Code != 0 || reqs[len(reqs)-1].Form["grant_type"] != "urn:ibm:params:oauth:grant-type:apikey" {
		t.Fatalf("fallback to the API key:\n%s", r)
	}
}

func TestCacheDamage(t *testing.T) {
	damages := map[string]func(h *cmdtest.Host, path string){
		"corrupt":   func(_ *cmdtest.Host, p string) { os.WriteFile(p, []byte("{\x00garbage"), 0o600) },
		"truncated": func(_ *cmdtest.Host, p string) { b, _ := os.ReadFile(p); os.WriteFile(p, b[:len(b)/3], 0o600) },
		"foreign": func(h *cmdtest.Host, p string) {
			// The entry of another key, copied under this key's name.
			h.Run(cmdtest.UserKey, "get", "--apikey", "-", "-q")
			b, _ := os.ReadFile(h.EntryPath(cmdtest.UserKey))
			os.WriteFile(p, b, 0o600)
		},
		"tampered expiry": func(_ *cmdtest.Host, p string) {
			var e map[string]any
			b, _ := os.ReadFile(p)
			json.Unmarshal(b, &e)
			e["token"].(map[string]any)["expiration"] = 4102444800
			b, _ = json.Marshal(e)
			os.WriteFile(p, b, 0o600)
		},
	}
	for name, damage := range damages {
		t.Run(name, func(t *testing.T) {
			h := cmdtest.New(t)
			userToken := ""
			if r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q"); r.Code != 0 {
				t.Fatalf("get:\n%s", r)
			}
			damage(h, h.EntryPath(cmdtest.ServiceKey))
			if name == "foreign" {
				userToken = cmdtest.ReadEntryToken(t, h.EntryPath(cmdtest.UserKey))
			}
			before := h.IAM.Count()
			r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-")
			if r.Code != 0 || !strings.Contains(r.Stderr, "A damaged token cache entry was ignored and replaced.") {
				t.Fatalf("damaged entry:\n%s", r)
			}
			if h.IAM.Count() != before+1 || (userToken != "" && strings.Contains(r.Stdout, userToken)) {
				t.Fatal("a damaged entry was served")
			}
			// Replaced: the next call is served from the cache again, and -q
			// stays silent.
			if r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q"); r.Code != 0 || r.Stderr != "" || h.IAM.Count() != before+1 {
				t.Fatalf("entry not replaced:\n%s", r)
			}
		})
	}
	t.Run("unreadable entry, quiet", func(t *testing.T) {
		h := cmdtest.New(t)
		// A folder where the entry should be cannot be read or replaced.
		os.MkdirAll(h.EntryPath(cmdtest.ServiceKey), 0o700)
		r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q")
		if r.Code != 0 || r.Stderr != "" {
			t.Fatalf("unreadable entry with -q:\n%s", r)
		}
		cmdtest.BearerOf(t, r.Stdout)
		r = h.Run(cmdtest.ServiceKey, "get", "--apikey", "-")
		if r.Code != 0 || !strings.Contains(r.Stderr, "could not be saved in the token cache") {
			t.Fatalf("unreadable entry:\n%s", r)
		}
	})
	t.Run("cache folder cannot be created", func(t *testing.T) {
		h := cmdtest.New(t)
		os.MkdirAll(filepath.Join(h.Home, "plugins"), 0o700)
		os.WriteFile(filepath.Join(h.Home, "plugins", "kp-token"), []byte("a file"), 0o600)
		r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-")
		if r.Code != 0 || !strings.Contains(r.Stderr, "The token cache cannot be used; continuing without it.") || !strings.Contains(r.Stdout, "Bearer ") {
			t.Fatalf("no cache folder:\n%s", r)
		}
	})
}

func TestCacheLockWaitIsBounded(t *testing.T) {
	h := cmdtest.New(t)
	os.MkdirAll(h.CacheDir(), 0o700)
	lock := flock.New(strings.TrimSuffix(h.EntryPath(cmdtest.ServiceKey), ".json") + ".lock")
	if ok, err := lock.TryLock(); !ok || err != nil {
		t.Fatalf("test could not take the lock: %v", err)
	}
	defer lock.Unlock()
	r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "--cache-wait", "300ms")
	if r.Code != 0 || !strings.Contains(r.Stderr, "Another kp-token process held the token cache") || !strings.Contains(r.Stdout, "Bearer ") {
		t.Fatalf("bounded wait:\n%s", r)
	}
	if _, err := os.Stat(h.EntryPath(cmdtest.ServiceKey)); !os.IsNotExist(err) {
		t.Fatal("an entry was written without the lock")
	}
}

func TestCacheWaitZeroStillCaches(t *testing.T) {
	h := cmdtest.New(t)
	for i := 0; i < 3; i++ {
		if r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q", "--cache-wait", "0"); r.Code != 0 {
			t.Fatalf("get:\n%s", r)
		}
	}
	if h.IAM.Count() != 1 {
		t.Fatalf("--cache-wait 0 bypassed the cache: %d IAM requests", h.IAM.Count())
	}
}
