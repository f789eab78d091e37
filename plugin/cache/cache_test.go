package cache

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/token"
)

func jwt(exp int64) string {
	enc := base64.RawURLEncoding
	claims, _ := json.Marshal(map[string]any{"id": "iam-ServiceId-1", "exp": exp})
	return enc.EncodeToString([]byte(`{"alg":"RS256"}`)) + "." + enc.EncodeToString(claims) + ".c2ln"
}

var (
	key   = Key{Endpoint: "https://iam.cloud.ibm.com", APIKey: "Xy9_a8f7Gh2kLm3NpQ4rSt5uVw6xYz7A-b1C2d3E4f5G"}
	other = Key{Endpoint: "https://iam.cloud.ibm.com", APIKey: "Other_Key_00000000000000000000000000000000000"}
)

func tok(exp int64) token.Token {
	return token.Token{AccessToken: jwt(exp), RefreshToken: "refresh-0123456789", TokenType: "Bearer", Expiration: exp, ExpiresIn: 3600}
}

func TestStoreLoad(t *testing.T) {
	c, err := Open(filepath.Join(t.TempDir(), "cache"))
	if err != nil {
		t.Fatal(err)
	}
	if _, st := c.Load(key); st != Missing {
		t.Fatalf("empty cache: status %v", st)
	}
	want := tok(1900000000)
	if err := c.Store(key, want, time.Now()); err != nil {
		t.Fatal(err)
	}
	e, st := c.Load(key)
	if st != Found || e.Token != want {
		t.Fatalf("Load = %+v, %v", e, st)
	}
	if _, st := c.Load(other); st != Missing {
		t.Fatal("another key found this key's entry")
	}
	data, _ := os.ReadFile(c.path(key))
	if strings.Contains(string(data), key.APIKey) {
		t.Fatal("the API key was written into the cache")
	}
	if runtime.GOOS != "windows" {
		st, _ := os.Stat(c.path(key))
		dir, _ := os.Stat(c.Dir)
		if st.Mode().Perm() != 0o600 || dir.Mode().Perm() != 0o700 {
			t.Fatalf("modes: entry %v, folder %v", st.Mode().Perm(), dir.Mode().Perm())
		}
	}
}

func TestParseRejectsDamage(t *testing.T) {
	good, _ := json.Marshal(Entry{Version: 1, Endpoint: key.Endpoint, KeyHash: key.keyHash(), Token: tok(1900000000)})
	if _, err := Parse(good, key); err != nil {
		t.Fatalf("good entry rejected: %v", err)
	}
	mutate := func(f func(e *Entry)) []byte {
		var e Entry
		_ = json.Unmarshal(good, &e)
		f(&e)
		b, _ := json.Marshal(e)
		return b
	}
	tests := map[string][]byte{
		"empty":           nil,
		"truncated":       good[:len(good)/2],
		"garbage":         []byte("\x00\x01garbage"),
		"two documents":   append(append([]byte{}, good...), good...),
		"unknown field":   []byte(strings.Replace(string(good), `"version"`, `"extra":1,"version"`, 1)),
		"other version":   mutate(func(e *Entry) { e.Version = 2 }),
		"other endpoint":  mutate(func(e *Entry) { e.Endpoint = "https://private.iam.cloud.ibm.com" }),
		"other key":       mutate(func(e *Entry) { e.KeyHash = other.keyHash() }),
		"other scope":     mutate(func(e *Entry) { e.Scope = "x" }),
		"no token":        mutate(func(e *Entry) { e.Token.AccessToken = "" }),
		"not a JWT":       mutate(func(e *Entry) { e.Token.AccessToken = "abc" }),
		"tampered expiry": mutate(func(e *Entry) { e.Token.Expiration += 3600 }),
		// A planted entry must not bring a quote into an eval'ed line: the
		// exp check alone reads only the payload segment.
		"PowerShell quote in the signature": mutate(func(e *Entry) { e.Token.AccessToken += "\u2019;calc;\u2019" }),
		"newline in the signature":          mutate(func(e *Entry) { e.Token.AccessToken += "\nexport X=1" }),
		"hostile token_type":                mutate(func(e *Entry) { e.Token.TokenType = "Bearer\u2019;calc;\u2019" }),
		"other token_type":                  mutate(func(e *Entry) { e.Token.TokenType = "MAC" }),
		"huge":                              []byte(strings.Repeat(" ", maxEntrySize+1)),
	}
	for name, data := range tests {
		if _, err := Parse(data, key); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestLockExcludes(t *testing.T) {
	c, _ := Open(t.TempDir())
	unlock, err := c.Lock(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.Lock(ctx, key); err == nil {
		t.Fatal("a second lock on the same entry succeeded")
	}
	if u, err := c.Lock(context.Background(), other); err != nil {
		t.Fatal("another entry's lock is blocked")
	} else {
		u()
	}
	unlock()
	if u, err := c.Lock(context.Background(), key); err != nil {
		t.Fatal("lock not released")
	} else {
		u()
	}
}

func TestDelete(t *testing.T) {
	c, _ := Open(t.TempDir())
	_ = c.Store(key, tok(1900000000), time.Now())
	_ = c.Store(other, tok(1900000001), time.Now())
	e, ok, err := c.Delete(key)
	if err != nil || !ok || e.Token.Expiration != 1900000000 {
		t.Fatalf("Delete = %+v %v %v", e, ok, err)
	}
	if _, ok, _ := c.Delete(key); ok {
		t.Fatal("deleted twice")
	}
	all, err := c.DeleteAll()
	if err != nil || len(all) != 1 {
		t.Fatalf("DeleteAll = %v, %v", all, err)
	}
	if left, _ := os.ReadDir(c.Dir); len(left) != 0 {
		t.Fatalf("left: %v", left)
	}
}

func FuzzParseEntry(f *testing.F) {
	good, _ := json.Marshal(Entry{Version: 1, Endpoint: key.Endpoint, KeyHash: key.keyHash(), Token: tok(1900000000)})
	f.Add(good)
	f.Add([]byte("{}"))
	f.Add([]byte(`{"version":1,"token":{"access_token":"a.b.c","expiration":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Parse(data, key)
		if err != nil {
			return
		}
		// Whatever parses must be an entry for exactly this key with a
		// decodable token whose exp matches.
		if e.KeyHash != key.keyHash() || e.Endpoint != key.Endpoint {
			t.Fatalf("foreign entry accepted: %+v", e)
		}
		c, err := token.Decode(e.Token.AccessToken)
		if err != nil || c.Info.Expiry.Unix() != e.Token.Expiration {
			t.Fatalf("entry with a bad token accepted: %+v", e)
		}
		if e.Token.TokenType != "Bearer" || !token.ValidAccessToken(e.Token.AccessToken) {
			t.Fatalf("entry outside IAM's shape accepted: %+v", e)
		}
	})
}

func TestSharedOutage(t *testing.T) {
	c, _ := Open(t.TempDir())
	now := time.Unix(1900000000, 0)
	o := failure.Outage{Kind: failure.KindUnavailable, Service: "IAM", URL: "https://iam.example", Status: 503, Code: "BXNIM0001E"}
	if _, ok := c.LoadOutage(key, now); ok {
		t.Fatal("an outage nobody stored")
	}
	if err := c.StoreOutage(key, o, now); err != nil {
		t.Fatal(err)
	}
	if got, ok := c.LoadOutage(key, now.Add(OutageTTL)); !ok || got != o {
		t.Fatalf("LoadOutage = %+v, %v", got, ok)
	}
	if _, ok := c.LoadOutage(other, now); ok {
		t.Fatal("another key's outage")
	}
	if _, ok := c.LoadOutage(key, now.Add(OutageTTL+time.Second)); ok {
		t.Fatal("a stale outage was served")
	}
	if _, ok := c.LoadOutage(key, now.Add(-time.Second)); ok {
		t.Fatal("an outage from the future was served")
	}
	data, _ := os.ReadFile(c.outagePath(key))
	if strings.Contains(string(data), "iam_") {
		t.Fatalf("a message ID was stored: %s", data)
	}
	// Only an outage is shared.
	_ = c.StoreOutage(key, failure.Outage{Kind: failure.KindRejected}, now)
	if _, ok := c.LoadOutage(key, now); ok {
		t.Fatal("a failure that is not an outage was shared")
	}
	c.ClearOutage(key)
	if _, err := os.Stat(c.outagePath(key)); !os.IsNotExist(err) {
		t.Fatal("outage not cleared")
	}
}
