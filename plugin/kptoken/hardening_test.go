package kptoken_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
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
				_, refresh := h.LoginUser(time.Minute) // due for renewal
				loc := other.URL + "/identity/token?secret=QuerySecret123"
				h.IAM.Script(iamtest.Reply{Status: status, Header: map[string]string{"Location": loc}})
				args := []string{"get"}
				if source == "apikey" {
					args = append(args, "--apikey", "@"+h.Write("key", cmdtest.ServiceKey))
				}
				r := h.Run("", args...)
				host := strings.TrimPrefix(other.URL, "http://")
				cmdtest.ExpectFailure(t, r, 1, "redirect (HTTP "+strconv.Itoa(status)+") to "+host, "Check the endpoint and any proxy")
				if hits.Load() != 0 {
					t.Fatalf("the redirect was followed: %d requests reached the other host", hits.Load())
				}
				if strings.Contains(r.Stderr, "QuerySecret123") {
					t.Fatalf("the Location's query was shown:\n%s", r)
				}
				cmdtest.AssertNoSecrets(t, "stderr", r.Stderr, cmdtest.ServiceKey, refresh)
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
		access, refresh := h.LoginUser(time.Minute)
		h.IAM.Script(echo(refresh))
		for _, env := range []map[string]string{nil, {"IBMCLOUD_TRACE": "true"}} {
			h.IAM.Script(echo(refresh))
			for _, cmd := range []string{"get", "refresh"} {
				r := h.RunEnv(env, "", cmd)
				if r.Code != 1 || !strings.Contains(r.Stderr, "FAILED") {
					t.Fatalf("%s:\n%s", cmd, r)
				}
				cmdtest.AssertNoSecrets(t, cmd+" stderr", r.Stderr, refresh, access)
				h.IAM.Script(echo(refresh))
			}
		}
	})
	t.Run("API key in an error body, traced", func(t *testing.T) {
		h := newHost(t)
		h.IAM.Script(iamtest.Reply{Status: 400, ContentType: "application/json",
			Body: `{"errorCode":"BXNIM0415E","errorMessage":"Provided API key 'k` + cmdtest.ServiceKey + `' could not be found.","errorDetails":"` + strings.ReplaceAll(cmdtest.ServiceKey, "_", "\\u005f") + `"}`})
		r := h.RunEnv(map[string]string{"IBMCLOUD_TRACE": "true"}, "", "get", "--apikey", "@"+h.Write("key", cmdtest.ServiceKey))
		if r.Code != 1 || !strings.Contains(r.Stderr, "REQUEST:") || !strings.Contains(r.Stderr, "RESPONSE:") {
			t.Fatalf("no traced failure:\n%s", r)
		}
		cmdtest.AssertNoSecrets(t, "trace", r.Stderr, cmdtest.ServiceKey)
	})
}

// TestOversizedRepliesAreRefused: a reply over 1 MiB is a clear failure,
// with tracing on or off, and is never dumped.
func TestOversizedRepliesAreRefused(t *testing.T) {
	big := `{"access_token":"` + strings.Repeat("A", 2<<20) + `"}`
	for _, env := range []map[string]string{nil, {"IBMCLOUD_TRACE": "true"}} {
		h := newHost(t)
		h.IAM.Script(iamtest.Reply{Status: 200, ContentType: "application/json", Body: big})
		r := h.RunEnv(env, "", "get", "--apikey", "@"+h.Write("key", cmdtest.ServiceKey))
		if r.Code != 1 || r.Stdout != "" || !strings.Contains(r.Stderr, "FAILED\nThe reply from IAM at "+h.IAM.URL+" is larger than 1 MiB") {
			t.Fatalf("want FAILED for the oversized reply:\n%.2000s", r)
		}
		if len(r.Stderr) > 64<<10 {
			t.Fatalf("the oversized reply reached the output (%d bytes)", len(r.Stderr))
		}
	}
}
