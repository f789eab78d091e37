package kptoken_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// TestTraceHidesSecrets runs every command with tracing on (to stderr and to
// a file) and looks for the API key, access tokens and refresh tokens in
// everything the plug-in printed or wrote.
func TestTraceHidesSecrets(t *testing.T) {
	for _, setting := range []string{"true", "file", "config"} {
		t.Run(setting, func(t *testing.T) {
			h := newHost(t)
			sessionAccess, sessionRefresh := h.LoginUser(time.Minute) // renewed on get
			traceFile := filepath.Join(h.Home, "trace.log")
			env := map[string]string{"IBMCLOUD_TRACE": "true"}
			switch setting {
			case "file":
				env["IBMCLOUD_TRACE"] = traceFile
			case "config": // 'ibmcloud config --trace FILE'
				env = nil
				h.LoginUser(time.Minute, func(s *iamtest.Session) { s.Trace = traceFile })
				sessionAccess = strings.TrimPrefix(h.Session().IAMToken(), "Bearer ")
				sessionRefresh = h.Session().IAMRefreshToken()
			}
			tokenFile := filepath.Join(h.Home, "token.json")
			keyFile := "@" + h.Write("key.json", `{"apikey":"`+cmdtest.ServiceKey+`"}`)
			kp := h.WithKP()
			onKP := []string{"--instance-id", cmdtest.InstanceID, "--kp-endpoint", kp.URL}
			var all strings.Builder
			for _, args := range [][]string{
				{"get"},
				{"refresh"},
				{"get", "--apikey", keyFile, "--file", tokenFile},
				{"refresh", "--file", tokenFile},
				{"inspect", "--file", tokenFile},
				{"inspect"},
				{"get", "--apikey", "@" + h.Write("bad", "Unknown_Key_0000000000000000000000000000000")},
				{"get", "--apikey", keyFile, "-q"},
				{"get", "--apikey", keyFile, "--min-validity", "2h"},
				{"cache-delete", "--apikey", keyFile},
				{"get", "--apikey", keyFile, "--no-cache"},
				{"cache-delete", "--all"},
				append([]string{"api", "/api/v2/keys", "-i", "--apikey", keyFile}, onKP...),
				append([]string{"api", "/api/v2/keys", "--apikey", keyFile, "--data", `{"metadata":{"collectionType":"application/vnd.ibm.kms.key+json","collectionTotal":1},"resources":[{"name":"traced"}]}`}, onKP...),
				append([]string{"api", "/api/v2/keys/nope", "--paginate", "--apikey", keyFile}, onKP...),
			} {
				r := h.RunEnv(env, "", args...)
				if strings.Contains(r.Stderr, "panic") {
					t.Fatalf("%v:\n%s", args, r)
				}
				// stdout carries the access token by design ('get',
				// 'refresh'); anything else on it must be free of secrets.
				for _, line := range strings.Split(r.Stdout, "\n") {
					if !strings.HasPrefix(line, "IAM token:  Bearer ") && !strings.HasPrefix(line, "Bearer ") {
						all.WriteString(line + "\n")
					}
				}
				all.WriteString(r.Stderr)
			}
			if setting != "true" {
				b, err := os.ReadFile(traceFile)
				if err != nil {
					t.Fatal(err)
				}
				all.Write(b)
			}
			trace := all.String()
			if !strings.Contains(trace, "REQUEST:") || !strings.Contains(trace, "[PRIVATE DATA HIDDEN]") || !strings.Contains(trace, "POST /api/v2/keys") {
				t.Fatalf("no trace of the HTTP exchanges:\n%s", trace)
			}
			var file map[string]string
			b, _ := os.ReadFile(tokenFile)
			_ = json.Unmarshal(b, &file)
			secrets := []string{cmdtest.ServiceKey, "Unknown_Key_0000000000000000000000000000000", sessionAccess, sessionRefresh,
				file["access_token"], file["refresh_token"], h.Session().IAMRefreshToken(), strings.TrimPrefix(h.Session().IAMToken(), "Bearer ")}
			for _, req := range h.IAM.Requests() {
				secrets = append(secrets, req.Form["refresh_token"], req.Form["apikey"])
			}
			if len(kp.Requests()) != 3 {
				t.Fatalf("Key Protect saw %d requests", len(kp.Requests()))
			}
			for _, req := range kp.Requests() {
				secrets = append(secrets, strings.TrimPrefix(req.Authorization, "Bearer "))
			}
			cmdtest.AssertNoSecrets(t, "trace", trace, secrets...)
			// The API key is in no file the plug-in wrote: cache entries,
			// token files, the CLI's config, the trace.
			_ = filepath.WalkDir(h.Home, func(path string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() || filepath.Base(path) == "key.json" || filepath.Base(path) == "bad" {
					return nil
				}
				b, _ := os.ReadFile(path)
				cmdtest.AssertNoSecrets(t, path, string(b), cmdtest.ServiceKey, "Unknown_Key_0000000000000000000000000000000")
				return nil
			})
		})
	}
}

// TestTraceEscapesServerText: a traced reply is server text on the
// terminal; an escape sequence in it is shown, not sent.
func TestTraceEscapesServerText(t *testing.T) {
	h := newHost(t)
	h.IAM.Script(iamtest.Reply{Status: 400, ContentType: "application/json",
		Body: `{"errorCode":"BXNIM0415E","errorMessage":"gone\u001b]0;owned\u0007\u001b[2J\rUndone"}` + "\x1b[31m"})
	r := h.RunEnv(map[string]string{"IBMCLOUD_TRACE": "true"}, "", "get", "--apikey", "@"+h.Write("key", cmdtest.ServiceKey), "--no-cache")
	if r.Code != 1 {
		t.Fatalf("want FAILED:\n%s", r)
	}
	if !strings.Contains(r.Stderr, `\x1b[31m`) {
		t.Fatalf("the reply is not in the trace, escaped:\n%s", r.Stderr)
	}
	for _, c := range []string{"\x1b", "\x07", "\r"} {
		if strings.Contains(r.Stderr, c) {
			t.Fatalf("a control character %q reached the terminal:\n%q", c, r.Stderr)
		}
	}
}
