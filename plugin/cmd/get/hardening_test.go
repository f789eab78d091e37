package get_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// TestTransportCauseIsNamed: a failed connection says why in words and
// keeps Go's error text on a detail line, in the user's language.
func TestTransportCauseIsNamed(t *testing.T) {
	tls := cmdtest.UntrustedTLS(t)
	tests := []struct {
		name, endpoint, locale, want string
	}{
		{"refused", "http://127.0.0.1:1", "", "could not reach IAM at http://127.0.0.1:1. The connection was refused"},
		{"untrusted certificate", tls.URL, "", "signed by an authority this machine does not trust"},
		{"refused, in French", "http://127.0.0.1:1", "fr_FR", "Impossible de joindre IAM (http://127.0.0.1:1). La connexion a été refusée"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := cmdtest.New(t)
			r := h.RunEnv(map[string]string{"IAM_ENDPOINT": tt.endpoint, "LANG": tt.locale}, "", "get", "--apikey", "@"+h.Write("key", cmdtest.ServiceKey), "--no-cache")
			if r.Code != 1 || !strings.Contains(r.Stderr, tt.want) {
				t.Fatalf("want %q:\n%s", tt.want, r)
			}
			if !strings.Contains(r.Stderr, "\nDetail: ") && !strings.Contains(r.Stderr, "\nDétail\u00a0: ") {
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
		h := cmdtest.New(t)
		dir := h.CacheDir()
		if err := os.MkdirAll(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		_ = os.Chmod(dir, 0o777)
		if r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q"); r.Code != 0 || r.Stderr != "" {
			t.Fatalf("get:\n%s", r)
		}
		if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
			t.Fatalf("cache folder mode %v", st.Mode().Perm())
		}
	})
	t.Run("a symlink is not followed", func(t *testing.T) {
		h := cmdtest.New(t)
		elsewhere := t.TempDir()
		_ = os.MkdirAll(filepath.Dir(h.CacheDir()), 0o700)
		if err := os.Symlink(elsewhere, h.CacheDir()); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-")
			if r.Code != 0 || strings.Count(r.Stderr, "is a symbolic link, not a folder, or owned by another user") != 1 {
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
		h := cmdtest.New(t)
		_ = os.MkdirAll(h.CacheDir(), 0o700)
		if err := os.Chown(h.CacheDir(), 65534, 65534); err != nil {
			t.Skip(err)
		}
		r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-")
		if r.Code != 0 || !strings.Contains(r.Stderr, "owned by another user") {
			t.Fatalf("got:\n%s", r)
		}
		if entries, _ := os.ReadDir(h.CacheDir()); len(entries) != 0 {
			t.Fatalf("kp-token used the folder: %v", entries)
		}
	})
	t.Run("a lock file replaced by a symlink creates nothing", func(t *testing.T) {
		h := cmdtest.New(t)
		h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q") // creates the folder and the lock
		lock := strings.TrimSuffix(h.EntryPath(cmdtest.ServiceKey), ".json") + ".lock"
		target := filepath.Join(t.TempDir(), "planted")
		_ = os.Remove(lock)
		if err := os.Symlink(target, lock); err != nil {
			t.Fatal(err)
		}
		_ = os.Remove(h.EntryPath(cmdtest.ServiceKey))
		if r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q"); r.Code != 0 {
			t.Fatalf("get:\n%s", r)
		}
		if _, err := os.Lstat(target); err == nil {
			t.Fatal("kp-token created the symlink's target")
		}
	})
	t.Run("cache-delete --all leaves no file holding a token", func(t *testing.T) {
		h := cmdtest.New(t)
		h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q")
		entry, _ := os.ReadFile(h.EntryPath(cmdtest.ServiceKey))
		planted := filepath.Join(h.CacheDir(), "."+filepath.Base(h.EntryPath(cmdtest.ServiceKey))+".tmp-12345")
		_ = os.WriteFile(planted, entry, 0o600) // what an interrupted write leaves
		if r := h.Run("", "cache-delete", "--all", "-q"); r.Code != 0 {
			t.Fatalf("cache-delete:\n%s", r)
		}
		_ = filepath.WalkDir(h.CacheDir(), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".lock") {
				t.Errorf("left after cache-delete --all: %s", p)
			}
			return nil
		})
	})
}

func TestControlCharactersAreEscaped(t *testing.T) {
	h := cmdtest.New(t)
	h.IAM.Script(iamtest.Reply{Status: 400, ContentType: "application/json",
		Body: `{"errorCode":"BXNIM9999E","errorMessage":"bad\u001b[2J\u001b]0;pwned\u0007 key\rOK","errorDetails":"x"}`})
	r := h.Run("", "get", "--apikey", "@"+h.Write("key", cmdtest.ServiceKey))
	if r.Code != 1 || strings.ContainsAny(r.Stderr, "\x1b\a\r") || !strings.Contains(r.Stderr, `bad\x1b[2J`) {
		t.Fatalf("control characters reached the terminal: %q", r.Stderr)
	}
	tok := h.IAM.SignClaims(map[string]any{"iam_id": "IBMid-1", "id": "IBMid-1", "name": "Eve\x1b[31m\rroot", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()})
	r = h.Run(tok, "inspect", "-")
	if r.Code != 0 || strings.ContainsAny(r.Stdout+r.Stderr, "\x1b\r") || !strings.Contains(r.Stderr, `Eve\x1b[31m\rroot`) {
		t.Fatalf("inspect showed raw control characters: %q", r.Stderr)
	}
}

func TestLimits(t *testing.T) {
	h := cmdtest.New(t)
	t.Run("an overflowing IBMCLOUD_HTTP_TIMEOUT", func(t *testing.T) {
		for _, v := range []string{"99999999999999999999", "9223372036854775807", "0", "-5", "ten"} {
			r := h.RunEnv(map[string]string{"IBMCLOUD_HTTP_TIMEOUT": v}, "", "get", "--apikey", "@"+h.Write("key", cmdtest.ServiceKey))
			cmdtest.ExpectFailure(t, r, 1, "IBMCLOUD_HTTP_TIMEOUT="+v+" is not valid", "number of seconds")
		}
	})
	t.Run("stdin over 64 KiB", func(t *testing.T) {
		r := h.Run(strings.Repeat("k", 100<<10), "get", "--apikey", "-")
		cmdtest.ExpectFailure(t, r, 1, "The standard input is larger than 64 KiB", "")
	})
	t.Run("inspect of an exp at the int64 limit", func(t *testing.T) {
		tok := h.IAM.SignClaims(map[string]any{"iam_id": "IBMid-1", "id": "IBMid-1", "exp": int64(9223372036854775807), "iat": time.Now().Unix()})
		r := h.Run(tok, "inspect", "-")
		if r.Code != 1 || strings.Contains(r.Stderr, "panic") || strings.Contains(r.Stdout+r.Stderr, "-106751") || !strings.Contains(r.Stderr, "FAILED") {
			t.Fatalf("got:\n%s", r)
		}
	})
}

// TestOutageIsShared: with IAM down, parallel cold callers share the lock
// holder's failure instead of each making its own round of attempts.
func TestOutageIsShared(t *testing.T) {
	h := cmdtest.New(t)
	down := make([]iamtest.Reply, 200)
	for i := range down {
		down[i] = iamtest.Reply{Status: 503, ContentType: "application/json", Body: `{"errorCode":"BXNIM0001E","errorMessage":"down"}`}
	}
	h.IAM.Script(down...)
	const n = 16
	var wg sync.WaitGroup
	results := make([]cmdtest.Result, n)
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q") }()
	}
	wg.Wait()
	for _, r := range results {
		if r.Code != 1 || !strings.Contains(r.Stderr, "busy or unavailable") {
			t.Fatalf("a caller did not fail with the outage:\n%s", r)
		}
	}
	if got := h.IAM.Count(); got > 4 {
		t.Fatalf("%d parallel callers made %d IAM requests; one caller's attempts (4) at most", n, got)
	}
}
