package inspect_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestInspect(t *testing.T) {
	h := cmdtest.New(t)
	svc := h.IAM.AccessToken(iamtest.ServiceID, "urn:ibm:params:oauth:grant-type:apikey", 90*time.Minute+20*time.Second)
	userTok, _ := h.LoginUser(45 * time.Minute)

	t.Run("argument, service ID", func(t *testing.T) {
		r := h.Run("", "inspect", "Bearer "+svc)
		if r.Code != 0 {
			t.Fatalf("inspect:\n%s", r)
		}
		for _, want := range []string{"Field", "Value", iamtest.ServiceID.IAMID, "kp-automation", "service ID",
			iamtest.ServiceID.Account, "valid for 1 hour 30 minutes", "urn:ibm:params:oauth:grant-type:apikey", "ibm openid", "bx", "UTC"} {
			if !strings.Contains(r.Stderr, want) {
				t.Errorf("table lacks %q:\n%s", want, r.Stderr)
			}
		}
		if r.Stdout != "" {
			t.Errorf("the report for people reached stdout (data only):\n%s", r)
		}
		if !strings.Contains(r.Stderr, "signature of the token was not verified") {
			t.Errorf("no note about the signature:\n%s", r)
		}
	})
	t.Run("session by default, user", func(t *testing.T) {
		r := h.Run("", "inspect")
		if r.Code != 0 || !strings.Contains(r.Stderr, "Camille Dupont <camille.dupont@example.com>") || !strings.Contains(r.Stderr, "user") {
			t.Fatalf("inspect session:\n%s", r)
		}
		cmdtest.AssertNoSecrets(t, "output", r.Stderr+r.Stderr, userTok)
	})
	t.Run("stdin", func(t *testing.T) {
		r := h.Run(svc+"\n", "inspect", "-")
		if r.Code != 0 || !strings.Contains(r.Stderr, iamtest.ServiceID.IAMID) {
			t.Fatalf("inspect -:\n%s", r)
		}
	})
	t.Run("token file", func(t *testing.T) {
		file := filepath.Join(h.Home, "tok.json")
		if r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "--file", file); r.Code != 0 {
			t.Fatalf("get:\n%s", r)
		}
		r := h.Run("", "inspect", "--file", file)
		if r.Code != 0 || !strings.Contains(r.Stderr, iamtest.ServiceID.IAMID) {
			t.Fatalf("inspect --file:\n%s", r)
		}
	})
	t.Run("json", func(t *testing.T) {
		r := h.Run("", "inspect", svc, "--output", "json")
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil || r.Code != 0 {
			t.Fatalf("%v\n%s", err, r)
		}
		in, _ := doc["expires_in"].(float64)
		if doc["iam_id"] != iamtest.ServiceID.IAMID || doc["sub_type"] != "ServiceId" || doc["client_id"] != "bx" || in < 5400 || in > 5420 {
			t.Fatalf("JSON = %s", r.Stdout)
		}
		if _, ok := doc["exp"].(float64); !ok {
			t.Fatalf("exp claim missing: %s", r.Stdout)
		}
	})
	t.Run("expired", func(t *testing.T) {
		old := h.IAM.AccessToken(iamtest.ServiceID, "urn:ibm:params:oauth:grant-type:apikey", -2*time.Hour)
		r := h.Run("", "inspect", old)
		if r.Code != 1 || !strings.Contains(r.Stderr, "expired 2 hours ago") || !strings.Contains(r.Stderr, "FAILED\nThe token has expired.") {
			t.Fatalf("inspect expired:\n%s", r)
		}
		r = h.Run("", "inspect", old, "--output", "json")
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil || r.Code != 1 || doc["expires_in"].(float64) > -7190 {
			t.Fatalf("inspect expired json:\n%s", r)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		for _, bad := range []string{"not-a-token", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln"} {
			cmdtest.ExpectFailure(t, h.Run("", "inspect", bad), 1, "cannot be decoded", "whole token")
		}
		cmdtest.ExpectFailure(t, h.Run("", "inspect", "--file", h.Write("x.json", "[]")), 1, "is not a token file", "kp-token get")
		cmdtest.ExpectFailure(t, h.Run("", "inspect", "-"), 1, "No token was read from standard input", "whole token")
		cmdtest.ExpectFailure(t, h.Run("", "inspect", "a", "b"), 2, "Give one token at most.", "ibmcloud kp-token inspect --help")
	})
	t.Run("nothing to inspect", func(t *testing.T) {
		h := cmdtest.New(t)
		cmdtest.ExpectFailure(t, h.Run("", "inspect"), 1, "No token source was found", "--file FILE")
	})
}
