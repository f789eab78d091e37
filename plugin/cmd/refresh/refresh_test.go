package refresh_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestRefreshFile(t *testing.T) {
	h := cmdtest.New(t)
	file := filepath.Join(h.Home, "token.json")
	if r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "--file", file); r.Code != 0 {
		t.Fatalf("get --file:\n%s", r)
	}
	before := cmdtest.ReadTokenFile(t, file)

	r := h.Run("", "refresh", "--file", file)
	if r.Code != 0 || r.Stdout != "" || !strings.Contains(r.Stderr, "The token in "+file+" was renewed. The token expires at") {
		t.Fatalf("refresh --file:\n%s", r)
	}
	after := cmdtest.ReadTokenFile(t, file)
	if after["access_token"] == before["access_token"] || after["refresh_token"] == before["refresh_token"] {
		t.Fatal("the token file was not renewed")
	}
	reqs := h.IAM.Requests()
	last := reqs[len(reqs)-1]
	if last.Form["grant_type"] != "refresh_token" || last.Form["refresh_token"] != before["refresh_token"] || last.BasicUser != "bx" {
		t.Fatalf("IAM saw %+v", last)
	}
	if st, _ := os.Stat(file); runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	cmdtest.AssertNoSecrets(t, "stderr", r.Stderr, before["access_token"].(string), before["refresh_token"].(string), after["access_token"].(string))

	// -q prints the new header; --output json the new document.
	r = h.Run("", "refresh", "--file", file, "-q")
	if r.Code != 0 || r.Stderr != "" || cmdtest.BearerOf(t, r.Stdout) != cmdtest.ReadTokenFile(t, file)["access_token"] {
		t.Fatalf("refresh -q:\n%s", r)
	}
	r = h.Run("", "refresh", "--file", file, "--output", "json")
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil || doc["access_token"] != cmdtest.ReadTokenFile(t, file)["access_token"] {
		t.Fatalf("refresh --output json:\n%s", r)
	}
}

func TestRefreshFileFailures(t *testing.T) {
	curl := `{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2ln","expiration":1512161390,"expires_in":3600,"refresh_token":"not_supported","token_type":"Bearer"}`
	tests := []struct {
		name          string
		setup         func(h *cmdtest.Host) string
		cause, remedy string
	}{
		{"missing file", func(h *cmdtest.Host) string { return filepath.Join(h.Home, "nope.json") }, "does not exist", "kp-token get --apikey @KEY_FILE --file FILE"},
		{"not a token file", func(h *cmdtest.Host) string { return h.Write("t.json", "hello") }, "is not a token file", "kp-token get --apikey"},
		{"page's curl output", func(h *cmdtest.Host) string { return h.Write("t.json", curl) }, "cannot be used: IAM issued it without a client ID", "--file " + "%FILE%"},
		{"no refresh token", func(h *cmdtest.Host) string {
			return h.Write("t.json", strings.Replace(curl, `"refresh_token":"not_supported",`, "", 1))
		}, "has no refresh token", "--file %FILE%"},
		{"expired refresh token", func(h *cmdtest.Host) string {
			file := filepath.Join(h.Home, "t.json")
			if r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "--file", file); r.Code != 0 {
				t.Fatalf("get:\n%s", r)
			}
			h.IAM.ExpireRefreshTokens()
			return file
		}, "BXNIM0408E", "--file %FILE%"},
		{"unknown refresh token", func(h *cmdtest.Host) string {
			return h.Write("t.json", strings.Replace(curl, "not_supported", "0123456789abcdef0123456789", 1))
		}, "BXNIM0407E", "--file %FILE%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := cmdtest.New(t)
			file := tt.setup(h)
			before, _ := os.ReadFile(file)
			r := h.Run("", "refresh", "--file", file)
			cmdtest.ExpectFailure(t, r, 1, tt.cause, strings.ReplaceAll(tt.remedy, "%FILE%", file))
			after, _ := os.ReadFile(file)
			if string(before) != string(after) {
				t.Fatal("a failed refresh changed the token file")
			}
		})
	}
}

func TestRefreshSession(t *testing.T) {
	h := cmdtest.New(t)
	old, refresh := h.LoginUser(time.Hour) // fresh, but refresh always renews
	r := h.Run("", "refresh", "-q")
	if r.Code != 0 {
		t.Fatalf("refresh:\n%s", r)
	}
	got := cmdtest.BearerOf(t, r.Stdout)
	if got == old || h.Session().IAMToken() != "Bearer "+got || h.IAM.Count() != 1 {
		t.Fatal("the session was not renewed and written back")
	}
	cmdtest.AssertNoSecrets(t, "stdout", r.Stdout, refresh)

	t.Run("not logged in", func(t *testing.T) {
		h := cmdtest.New(t)
		cmdtest.ExpectFailure(t, h.Run("", "refresh"), 1, "No token source was found", "ibmcloud login --sso")
	})
	t.Run("session without refresh token", func(t *testing.T) {
		h := cmdtest.New(t)
		h.LoginUser(time.Hour, func(s *iamtest.Session) { s.RefreshToken = "" })
		cmdtest.ExpectFailure(t, h.Run("", "refresh"), 1, "the session has no refresh token", "ibmcloud login --sso")
	})
}

func TestRefreshMinValidity(t *testing.T) {
	h := cmdtest.New(t)
	h.IAM.SetClock(-30 * time.Minute) // 1-hour tokens with 30 minutes left
	file := filepath.Join(h.Home, "token.json")
	if r := h.Run("", "get", "--apikey", "@"+h.Write("key", cmdtest.ServiceKey), "--file", file, "--no-cache"); r.Code != 0 {
		t.Fatalf("get:\n%s", r)
	}
	before, _ := os.ReadFile(file)
	// Every 5 minutes from cron: no IAM call while the token has more left.
	for i := 0; i < 3; i++ {
		r := h.Run("", "refresh", "--file", file, "--min-validity", "10m")
		if r.Code != 0 || h.IAM.Count() != 1 || !strings.Contains(r.Stderr, "was not renewed") {
			t.Fatalf("refresh of a fresh file (IAM calls %d):\n%s", h.IAM.Count(), r)
		}
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Fatal("the file changed although nothing was renewed")
	}
	r := h.Run("", "refresh", "--file", file, "--min-validity", "45m", "-q")
	if r.Code != 0 || h.IAM.Count() != 2 {
		t.Fatalf("refresh when due (IAM calls %d):\n%s", h.IAM.Count(), r)
	}
	// Without --min-validity, refresh renews as it always did.
	if r := h.Run("", "refresh", "--file", file, "-q"); r.Code != 0 || h.IAM.Count() != 3 {
		t.Fatalf("refresh without --min-validity (IAM calls %d):\n%s", h.IAM.Count(), r)
	}
	// The session too.
	h.LoginUser(50 * time.Minute)
	if r := h.Run("", "refresh", "--min-validity", "10m", "-q"); r.Code != 0 || h.IAM.Count() != 3 {
		t.Fatalf("session refresh of a fresh token (IAM calls %d):\n%s", h.IAM.Count(), r)
	}
}
