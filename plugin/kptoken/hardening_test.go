package kptoken_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// elsewhere is a server a redirect points at; it counts what reaches it.
func elsewhere(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(s.Close)
	return s, &hits
}

// TestRedirectsAreRefused: a 3xx from IAM never makes kp-token send the
// form (API key or refresh token) anywhere else, for API keys and for the
// SDK's session renewal alike.
func TestRedirectsAreRefused(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, source := range []string{"apikey", "session"} {
			t.Run(source+"/"+http.StatusText(status), func(t *testing.T) {
				h := newHost(t)
				other, hits := elsewhere(t)
				_, refresh := h.loginUser(time.Minute) // due for renewal
				loc := other.URL + "/identity/token?secret=QuerySecret123"
				h.iam.Script(iamtest.Reply{Status: status, Header: map[string]string{"Location": loc}})
				args := []string{"get"}
				if source == "apikey" {
					args = append(args, "--apikey", "@"+h.write("key", serviceKey))
				}
				r := h.run("", args...)
				host := strings.TrimPrefix(other.URL, "http://")
				expectFailure(t, r, 1, "redirect (HTTP "+strconv.Itoa(status)+") to "+host, "Check the IAM endpoint")
				if hits.Load() != 0 {
					t.Fatalf("the redirect was followed: %d requests reached the other host", hits.Load())
				}
				if strings.Contains(r.stderr, "QuerySecret123") {
					t.Fatalf("the Location's query was shown:\n%s", r)
				}
				assertNoSecrets(t, "stderr", r.stderr, serviceKey, refresh)
			})
		}
	}
}

// TestEchoedSecretsAreHidden: IAM (or a proxy) that echoes the credential
// in its error message, in plain, quoted or encoded form, never gets it
// printed, on stderr or in the trace.
func TestEchoedSecretsAreHidden(t *testing.T) {
	echo := func(secret string) iamtest.Reply {
		return iamtest.Reply{Status: 400, ContentType: "application/json",
			Body: `{"errorCode":"BXNIM0407E","errorMessage":"Token x` + secret + `y is invalid","errorDetails":"got 'Bearer ` + secret + `'"}`}
	}
	t.Run("session refresh token, before any success", func(t *testing.T) {
		h := newHost(t)
		access, refresh := h.loginUser(time.Minute)
		h.iam.Script(echo(refresh))
		for _, env := range []map[string]string{nil, {"IBMCLOUD_TRACE": "true"}} {
			h.iam.Script(echo(refresh))
			for _, cmd := range []string{"get", "refresh"} {
				r := h.runEnv(env, "", cmd)
				if r.code != 1 || !strings.Contains(r.stderr, "FAILED") {
					t.Fatalf("%s:\n%s", cmd, r)
				}
				assertNoSecrets(t, cmd+" stderr", r.stderr, refresh, access)
				h.iam.Script(echo(refresh))
			}
		}
	})
	t.Run("API key in an error body, traced", func(t *testing.T) {
		h := newHost(t)
		h.iam.Script(iamtest.Reply{Status: 400, ContentType: "application/json",
			Body: `{"errorCode":"BXNIM0415E","errorMessage":"Provided API key 'k` + serviceKey + `' could not be found.","errorDetails":"` + strings.ReplaceAll(serviceKey, "_", "\\u005f") + `"}`})
		r := h.runEnv(map[string]string{"IBMCLOUD_TRACE": "true"}, "", "get", "--apikey", "@"+h.write("key", serviceKey))
		if r.code != 1 || !strings.Contains(r.stderr, "REQUEST:") || !strings.Contains(r.stderr, "RESPONSE:") {
			t.Fatalf("no traced failure:\n%s", r)
		}
		assertNoSecrets(t, "trace", r.stderr, serviceKey)
	})
}

// TestOversizedRepliesAreRefused: a reply over 1 MiB is a clear failure,
// with tracing on or off, and is never dumped.
func TestOversizedRepliesAreRefused(t *testing.T) {
	big := `{"access_token":"` + strings.Repeat("A", 2<<20) + `"}`
	for _, env := range []map[string]string{nil, {"IBMCLOUD_TRACE": "true"}} {
		h := newHost(t)
		h.iam.Script(iamtest.Reply{Status: 200, ContentType: "application/json", Body: big})
		r := h.runEnv(env, "", "get", "--apikey", "@"+h.write("key", serviceKey))
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "FAILED\nThe reply of IAM at "+h.iam.URL+" is larger than 1 MiB") {
			t.Fatalf("want FAILED for the oversized reply:\n%.2000s", r)
		}
		if len(r.stderr) > 64<<10 {
			t.Fatalf("the oversized reply reached the output (%d bytes)", len(r.stderr))
		}
	}
}

// TestTransportCauseIsNamed: a failed connection says why in words and
// keeps Go's error text on a detail line, in the user's language.
func TestTransportCauseIsNamed(t *testing.T) {
	tls := untrustedTLS(t)
	tests := []struct {
		name, endpoint, locale, want string
	}{
		{"refused", "http://127.0.0.1:1", "", "cannot be reached. The connection was refused"},
		{"untrusted certificate", tls.URL, "", "signed by an authority this machine does not trust"},
		{"refused, in French", "http://127.0.0.1:1", "fr_FR", "est inaccessible. La connexion a été refusée"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t)
			r := h.runEnv(map[string]string{"IAM_ENDPOINT": tt.endpoint, "LANG": tt.locale}, "", "get", "--apikey", "@"+h.write("key", serviceKey), "--no-cache")
			if r.code != 1 || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("want %q:\n%s", tt.want, r)
			}
			if !strings.Contains(r.stderr, "\nDetail: ") && !strings.Contains(r.stderr, "\nDétail\u00a0: ") {
				t.Fatalf("no detail line:\n%s", r)
			}
		})
	}
}

func TestCacheFolderIsGuarded(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX modes and symlinks")
	}
	t.Run("a loose mode is tightened", func(t *testing.T) {
		h := newHost(t)
		dir := h.cacheDir()
		if err := os.MkdirAll(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		_ = os.Chmod(dir, 0o777)
		if r := h.run(serviceKey, "get", "--apikey", "-", "-q"); r.code != 0 || r.stderr != "" {
			t.Fatalf("get:\n%s", r)
		}
		if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
			t.Fatalf("cache folder mode %v", st.Mode().Perm())
		}
	})
	t.Run("a symlink is not followed", func(t *testing.T) {
		h := newHost(t)
		elsewhere := t.TempDir()
		_ = os.MkdirAll(filepath.Dir(h.cacheDir()), 0o700)
		if err := os.Symlink(elsewhere, h.cacheDir()); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			r := h.run(serviceKey, "get", "--apikey", "-")
			if r.code != 0 || strings.Count(r.stderr, "is a symbolic link, not a folder, or owned by another user") != 1 {
				t.Fatalf("want the token and one warning:\n%s", r)
			}
		}
		if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
			t.Fatalf("kp-token wrote through the symlink: %v", entries)
		}
	})
	t.Run("a folder owned by someone else is not used", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give the folder away")
		}
		h := newHost(t)
		_ = os.MkdirAll(h.cacheDir(), 0o700)
		if err := os.Chown(h.cacheDir(), 65534, 65534); err != nil {
			t.Skip(err)
		}
		r := h.run(serviceKey, "get", "--apikey", "-")
		if r.code != 0 || !strings.Contains(r.stderr, "owned by another user") {
			t.Fatalf("got:\n%s", r)
		}
		if entries, _ := os.ReadDir(h.cacheDir()); len(entries) != 0 {
			t.Fatalf("kp-token used the folder: %v", entries)
		}
	})
	t.Run("a lock file replaced by a symlink creates nothing", func(t *testing.T) {
		h := newHost(t)
		h.run(serviceKey, "get", "--apikey", "-", "-q") // creates the folder and the lock
		lock := strings.TrimSuffix(h.entryPath(serviceKey), ".json") + ".lock"
		target := filepath.Join(t.TempDir(), "planted")
		_ = os.Remove(lock)
		if err := os.Symlink(target, lock); err != nil {
			t.Fatal(err)
		}
		_ = os.Remove(h.entryPath(serviceKey))
		if r := h.run(serviceKey, "get", "--apikey", "-", "-q"); r.code != 0 {
			t.Fatalf("get:\n%s", r)
		}
		if _, err := os.Lstat(target); err == nil {
			t.Fatal("kp-token created the symlink's target")
		}
	})
	t.Run("cache-delete --all leaves no file holding a token", func(t *testing.T) {
		h := newHost(t)
		h.run(serviceKey, "get", "--apikey", "-", "-q")
		entry, _ := os.ReadFile(h.entryPath(serviceKey))
		planted := filepath.Join(h.cacheDir(), "."+filepath.Base(h.entryPath(serviceKey))+".tmp-12345")
		_ = os.WriteFile(planted, entry, 0o600) // what an interrupted write leaves
		if r := h.run("", "cache-delete", "--all", "-q"); r.code != 0 {
			t.Fatalf("cache-delete:\n%s", r)
		}
		_ = filepath.WalkDir(h.cacheDir(), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".lock") {
				t.Errorf("left after cache-delete --all: %s", p)
			}
			return nil
		})
	})
}

func TestControlCharactersAreEscaped(t *testing.T) {
	h := newHost(t)
	h.iam.Script(iamtest.Reply{Status: 400, ContentType: "application/json",
		Body: `{"errorCode":"BXNIM9999E","errorMessage":"bad\u001b[2J\u001b]0;pwned\u0007 key\rOK","errorDetails":"x"}`})
	r := h.run("", "get", "--apikey", "@"+h.write("key", serviceKey))
	if r.code != 1 || strings.ContainsAny(r.stderr, "\x1b\a\r") || !strings.Contains(r.stderr, `bad\x1b[2J`) {
		t.Fatalf("control characters reached the terminal: %q", r.stderr)
	}
	tok := h.iam.SignClaims(map[string]any{"iam_id": "IBMid-1", "id": "IBMid-1", "name": "Eve\x1b[31m\rroot", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()})
	r = h.run(tok, "inspect", "-")
	if r.code != 0 || strings.ContainsAny(r.stdout+r.stderr, "\x1b\r") || !strings.Contains(r.stdout, `Eve\x1b[31m\rroot`) {
		t.Fatalf("inspect showed raw control characters: %q", r.stdout)
	}
}

func TestLimits(t *testing.T) {
	h := newHost(t)
	t.Run("an overflowing IBMCLOUD_HTTP_TIMEOUT", func(t *testing.T) {
		for _, v := range []string{"99999999999999999999", "9223372036854775807", "0", "-5", "ten"} {
			r := h.runEnv(map[string]string{"IBMCLOUD_HTTP_TIMEOUT": v}, "", "get", "--apikey", "@"+h.write("key", serviceKey))
			expectFailure(t, r, 1, "IBMCLOUD_HTTP_TIMEOUT="+v+" is not valid", "number of seconds")
		}
	})
	t.Run("stdin over 64 KiB", func(t *testing.T) {
		r := h.run(strings.Repeat("k", 100<<10), "get", "--apikey", "-")
		expectFailure(t, r, 1, "The standard input is larger than 64 KiB", "")
	})
	t.Run("inspect of an exp at the int64 limit", func(t *testing.T) {
		tok := h.iam.SignClaims(map[string]any{"iam_id": "IBMid-1", "id": "IBMid-1", "exp": int64(9223372036854775807), "iat": time.Now().Unix()})
		r := h.run(tok, "inspect", "-")
		if r.code != 1 || strings.Contains(r.stderr, "panic") || strings.Contains(r.stdout+r.stderr, "-106751") || !strings.Contains(r.stderr, "FAILED") {
			t.Fatalf("got:\n%s", r)
		}
	})
}

// TestOutageIsShared: with IAM down, parallel cold callers share the lock
// holder's failure instead of each making its own round of attempts.
func TestOutageIsShared(t *testing.T) {
	h := newHost(t)
	down := make([]iamtest.Reply, 200)
	for i := range down {
		down[i] = iamtest.Reply{Status: 503, ContentType: "application/json", Body: `{"errorCode":"BXNIM0001E","errorMessage":"down"}`}
	}
	h.iam.Script(down...)
	const n = 16
	var wg sync.WaitGroup
	results := make([]result, n)
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = h.run(serviceKey, "get", "--apikey", "-", "-q") }()
	}
	wg.Wait()
	for _, r := range results {
		if r.code != 1 || !strings.Contains(r.stderr, "busy or unavailable") {
			t.Fatalf("a caller did not fail with the outage:\n%s", r)
		}
	}
	if got := h.iam.Count(); got > 4 {
		t.Fatalf("%d parallel callers made %d IAM requests; one caller's attempts (4) at most", n, got)
	}
}
