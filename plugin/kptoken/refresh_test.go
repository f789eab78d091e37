package kptoken_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

func readTokenFile(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("token file is not JSON: %v", err)
	}
	return doc
}

func TestRefreshFile(t *testing.T) {
	h := newHost(t)
	file := filepath.Join(h.home, "token.json")
	if r := h.run(serviceKey, "get", "--apikey", "-", "--file", file); r.code != 0 {
		t.Fatalf("get --file:\n%s", r)
	}
	before := readTokenFile(t, file)

	r := h.run("", "refresh", "--file", file)
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "The token in "+file+" was renewed. The token expires at") {
		t.Fatalf("refresh --file:\n%s", r)
	}
	after := readTokenFile(t, file)
	if after["access_token"] == before["access_token"] || after["refresh_token"] == before["refresh_token"] {
		t.Fatal("the token file was not renewed")
	}
	reqs := h.iam.Requests()
	last := reqs[len(reqs)-1]
	if last.Form["grant_type"] != "refresh_token" || last.Form["refresh_token"] != before["refresh_token"] || last.BasicUser != "bx" {
		t.Fatalf("IAM saw %+v", last)
	}
	if st, _ := os.Stat(file); runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	assertNoSecrets(t, "stderr", r.stderr, before["access_token"].(string), before["refresh_token"].(string), after["access_token"].(string))

	// -q prints the new header; --output json the new document.
	r = h.run("", "refresh", "--file", file, "-q")
	if r.code != 0 || r.stderr != "" || bearerOf(t, r.stdout) != readTokenFile(t, file)["access_token"] {
		t.Fatalf("refresh -q:\n%s", r)
	}
	r = h.run("", "refresh", "--file", file, "--output", "json")
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc["access_token"] != readTokenFile(t, file)["access_token"] {
		t.Fatalf("refresh --output json:\n%s", r)
	}
}

func TestRefreshFileFailures(t *testing.T) {
	curl := `{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2ln","expiration":1512161390,"expires_in":3600,"refresh_token":"not_supported","token_type":"Bearer"}`
	tests := []struct {
		name          string
		setup         func(h *host) string
		cause, remedy string
	}{
		{"missing file", func(h *host) string { return filepath.Join(h.home, "nope.json") }, "does not exist", "kp-token get --apikey @KEY_FILE --file FILE"},
		{"not a token file", func(h *host) string { return h.write("t.json", "hello") }, "is not a token file", "kp-token get --apikey"},
		{"page's curl output", func(h *host) string { return h.write("t.json", curl) }, "cannot be used: IAM issued it without a client ID", "--file " + "%FILE%"},
		{"no refresh token", func(h *host) string {
			return h.write("t.json", strings.Replace(curl, `"refresh_token":"not_supported",`, "", 1))
		}, "has no refresh token", "--file %FILE%"},
		{"expired refresh token", func(h *host) string {
			file := filepath.Join(h.home, "t.json")
			if r := h.run(serviceKey, "get", "--apikey", "-", "--file", file); r.code != 0 {
				t.Fatalf("get:\n%s", r)
			}
			h.iam.ExpireRefreshTokens()
			return file
		}, "BXNIM0408E", "--file %FILE%"},
		{"unknown refresh token", func(h *host) string {
			return h.write("t.json", strings.Replace(curl, "not_supported", "0123456789abcdef0123456789", 1))
		}, "BXNIM0407E", "--file %FILE%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t)
			file := tt.setup(h)
			before, _ := os.ReadFile(file)
			r := h.run("", "refresh", "--file", file)
			expectFailure(t, r, 1, tt.cause, strings.ReplaceAll(tt.remedy, "%FILE%", file))
			after, _ := os.ReadFile(file)
			if string(before) != string(after) {
				t.Fatal("a failed refresh changed the token file")
			}
		})
	}
}

func TestRefreshSession(t *testing.T) {
	h := newHost(t)
	old, refresh := h.loginUser(time.Hour) // fresh, but refresh always renews
	r := h.run("", "refresh", "-q")
	if r.code != 0 {
		t.Fatalf("refresh:\n%s", r)
	}
	got := bearerOf(t, r.stdout)
	if got == old || h.session().IAMToken() != "Bearer "+got || h.iam.Count() != 1 {
		t.Fatal("the session was not renewed and written back")
	}
	assertNoSecrets(t, "stdout", r.stdout, refresh)

	t.Run("not logged in", func(t *testing.T) {
		h := newHost(t)
		expectFailure(t, h.run("", "refresh"), 1, "No token source was found", "ibmcloud login --sso")
	})
	t.Run("session without refresh token", func(t *testing.T) {
		h := newHost(t)
		h.loginUser(time.Hour, func(s *iamtest.Session) { s.RefreshToken = "" })
		expectFailure(t, h.run("", "refresh"), 1, "the session has no refresh token", "ibmcloud login --sso")
	})
}
