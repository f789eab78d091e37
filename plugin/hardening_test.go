package plugin_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
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
	tls := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer tls.Close()
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
