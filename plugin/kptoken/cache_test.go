package kptoken_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

func (h *host) cacheDir() string { return filepath.Join(h.home, "plugins", "kp-token", "cache") }

func (h *host) entryPath(apikey string) string {
	return filepath.Join(h.cacheDir(), cache.Key{Endpoint: h.iam.URL, APIKey: apikey}.ID()+".json")
}

func TestCacheServesAndRenews(t *testing.T) {
	h := newHost(t)
	// Tokens come out 30 minutes old: 1-hour tokens with 30 minutes left.
	h.iam.SetClock(-30 * time.Minute)
	first := bearerOf(t, h.run(serviceKey, "get", "--apikey", "-", "-q").stdout)
	second := h.run(serviceKey, "get", "--apikey", "-", "-q")
	if bearerOf(t, second.stdout) != first || h.iam.Count() != 1 {
		t.Fatalf("second get was not served from the cache (IAM requests %d)", h.iam.Count())
	}
	data, err := os.ReadFile(h.entryPath(serviceKey))
	if err != nil {
		t.Fatalf("no cache entry: %v", err)
	}
	if strings.Contains(string(data), serviceKey) {
		t.Fatal("the API key was written to the cache")
	}
	// Another key has its own entry.
	if other := bearerOf(t, h.run(userKey, "get", "--apikey", "-", "-q").stdout); other == first || h.iam.Count() != 2 {
		t.Fatal("another API key got the first key's token")
	}
	// --no-cache goes to IAM and leaves the entry alone.
	if r := h.run(serviceKey, "get", "--apikey", "-", "-q", "--no-cache"); r.code != 0 || bearerOf(t, r.stdout) == first || h.iam.Count() != 3 {
		t.Fatalf("--no-cache:\n%s", r)
	}
	if after, _ := os.ReadFile(h.entryPath(serviceKey)); string(after) != string(data) {
		t.Fatal("--no-cache rewrote the cache entry")
	}
	// A --min-validity longer than what is left renews with the refresh token.
	r := h.run(serviceKey, "get", "--apikey", "-", "-q", "--min-validity", "45m")
	if r.code != 0 || bearerOf(t, r.stdout) == first {
		t.Fatalf("renewal:\n%s", r)
	}
	reqs := h.iam.Requests()
	if last := reqs[len(reqs)-1]; last.Form["grant_type"] != "refresh_token" || last.BasicUser != "bx" {
		t.Fatalf("renewal did not use the refresh token: %+v", last.Form["grant_type"])
	}
	// A refused refresh token falls back to the API key.
	h.iam.ExpireRefreshTokens()
	r = h.run(serviceKey, "get", "--apikey", "-", "-q", "--min-validity", "45m")
	reqs = h.iam.Requests()
	if r.code != 0 || reqs[len(reqs)-1].Form["grant_type"] != "urn:ibm:params:oauth:grant-type:apikey" {
		t.Fatalf("fallback to the API key:\n%s", r)
	}
}

func TestCacheDamage(t *testing.T) {
	damages := map[string]func(h *host, path string){
		"corrupt":   func(_ *host, p string) { os.WriteFile(p, []byte("{\x00garbage"), 0o600) },
		"truncated": func(_ *host, p string) { b, _ := os.ReadFile(p); os.WriteFile(p, b[:len(b)/3], 0o600) },
		"foreign": func(h *host, p string) {
			// The entry of another key, copied under this key's name.
			h.run(userKey, "get", "--apikey", "-", "-q")
			b, _ := os.ReadFile(h.entryPath(userKey))
			os.WriteFile(p, b, 0o600)
		},
		"tampered expiry": func(_ *host, p string) {
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
			h := newHost(t)
			userToken := ""
			if r := h.run(serviceKey, "get", "--apikey", "-", "-q"); r.code != 0 {
				t.Fatalf("get:\n%s", r)
			}
			damage(h, h.entryPath(serviceKey))
			if name == "foreign" {
				userToken = readEntryToken(t, h.entryPath(userKey))
			}
			before := h.iam.Count()
			r := h.run(serviceKey, "get", "--apikey", "-")
			if r.code != 0 || !strings.Contains(r.stderr, "A damaged token cache entry was ignored and replaced.") {
				t.Fatalf("damaged entry:\n%s", r)
			}
			if h.iam.Count() != before+1 || (userToken != "" && strings.Contains(r.stdout, userToken)) {
				t.Fatal("a damaged entry was served")
			}
			// Replaced: the next call is served from the cache again, and -q
			// stays silent.
			if r := h.run(serviceKey, "get", "--apikey", "-", "-q"); r.code != 0 || r.stderr != "" || h.iam.Count() != before+1 {
				t.Fatalf("entry not replaced:\n%s", r)
			}
		})
	}
	t.Run("unreadable entry, quiet", func(t *testing.T) {
		h := newHost(t)
		// A folder where the entry should be cannot be read or replaced.
		os.MkdirAll(h.entryPath(serviceKey), 0o700)
		r := h.run(serviceKey, "get", "--apikey", "-", "-q")
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("unreadable entry with -q:\n%s", r)
		}
		bearerOf(t, r.stdout)
		r = h.run(serviceKey, "get", "--apikey", "-")
		if r.code != 0 || !strings.Contains(r.stderr, "could not be saved in the token cache") {
			t.Fatalf("unreadable entry:\n%s", r)
		}
	})
	t.Run("cache folder cannot be created", func(t *testing.T) {
		h := newHost(t)
		os.MkdirAll(filepath.Join(h.home, "plugins"), 0o700)
		os.WriteFile(filepath.Join(h.home, "plugins", "kp-token"), []byte("a file"), 0o600)
		r := h.run(serviceKey, "get", "--apikey", "-")
		if r.code != 0 || !strings.Contains(r.stderr, "The token cache cannot be used; continuing without it.") || !strings.Contains(r.stdout, "Bearer ") {
			t.Fatalf("no cache folder:\n%s", r)
		}
	})
}

func readEntryToken(t *testing.T, path string) string {
	t.Helper()
	var e cache.Entry
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e.Token.AccessToken
}

func TestCacheLockWaitIsBounded(t *testing.T) {
	h := newHost(t)
	os.MkdirAll(h.cacheDir(), 0o700)
	lock := flock.New(strings.TrimSuffix(h.entryPath(serviceKey), ".json") + ".lock")
	if ok, err := lock.TryLock(); !ok || err != nil {
		t.Fatalf("test could not take the lock: %v", err)
	}
	defer lock.Unlock()
	r := h.run(serviceKey, "get", "--apikey", "-", "--cache-wait", "300ms")
	if r.code != 0 || !strings.Contains(r.stderr, "Another kp-token process held the token cache") || !strings.Contains(r.stdout, "Bearer ") {
		t.Fatalf("bounded wait:\n%s", r)
	}
	if _, err := os.Stat(h.entryPath(serviceKey)); !os.IsNotExist(err) {
		t.Fatal("an entry was written without the lock")
	}
}

// TestManyProcessesOneIAMRequest starts 32 real kp-token processes at once
// with a cold cache: exactly one may reach IAM, and all print its token.
func TestManyProcessesOneIAMRequest(t *testing.T) {
	const n = 32
	h := newHost(t)
	h.iam.SetDelay(300 * time.Millisecond) // keep the door open for the others
	keyFile := "@" + h.write("key.json", `{"apikey":"`+serviceKey+`"}`)
	var wg sync.WaitGroup
	results := make([]result, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = h.run("", "get", "--apikey", keyFile, "-q")
		}()
	}
	close(start)
	wg.Wait()
	var first string
	for i, r := range results {
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("process %d:\n%s", i, r)
		}
		tok := bearerOf(t, r.stdout)
		if first == "" {
			first = tok
		}
		if tok != first {
			t.Fatalf("process %d printed another token", i)
		}
	}
	if got := h.iam.Count(); got != 1 {
		t.Fatalf("%d processes made %d IAM requests, want 1", n, got)
	}
}

func TestCacheDelete(t *testing.T) {
	h := newHost(t)
	h.run(serviceKey, "get", "--apikey", "-", "-q")
	h.run(userKey, "get", "--apikey", "-", "-q")

	r := h.runEnv(map[string]string{"IBMCLOUD_API_KEY": serviceKey}, "", "cache-delete")
	if r.code != 0 || !strings.Contains(r.stdout, "Deleted the cached token of kp-automation ("+iamtest.ServiceID.IAMID+") for "+h.iam.URL) ||
		!strings.Contains(r.stdout, "1 cached token deleted.") {
		t.Fatalf("cache-delete:\n%s", r)
	}
	if _, err := os.Stat(h.entryPath(serviceKey)); !os.IsNotExist(err) {
		t.Fatal("entry still there")
	}
	if _, err := os.Stat(h.entryPath(userKey)); err != nil {
		t.Fatal("another key's entry was deleted")
	}
	if r := h.run(serviceKey, "cache-delete", "--apikey", "-"); r.code != 0 || !strings.Contains(r.stdout, "No cached token was found.") {
		t.Fatalf("second cache-delete:\n%s", r)
	}
	h.run(serviceKey, "get", "--apikey", "-", "-q")
	r = h.run("", "cache-delete", "--all", "--output", "json")
	var removed []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &removed); err != nil || len(removed) != 2 {
		t.Fatalf("cache-delete --all --output json:\n%s", r)
	}
	if left, _ := filepath.Glob(filepath.Join(h.cacheDir(), "*.json")); len(left) != 0 {
		t.Fatalf("entries left: %v", left)
	}
	assertNoSecrets(t, "output", r.stdout+r.stderr, serviceKey, userKey)
	expectFailure(t, h.run("", "cache-delete"), 2, "No API key was given", "ibmcloud kp-token cache-delete --help")
	expectFailure(t, h.run(serviceKey, "cache-delete", "--all", "--apikey", "-"), 2, "not both", "ibmcloud kp-token cache-delete --help")
}
