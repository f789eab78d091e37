package kptoken_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestInspect(t *testing.T) {
	h := newHost(t)
	svc := h.iam.AccessToken(iamtest.ServiceID, "urn:ibm:params:oauth:grant-type:apikey", 90*time.Minute+20*time.Second)
	userTok, _ := h.loginUser(45 * time.Minute)

	t.Run("argument, service ID", func(t *testing.T) {
		r := h.run("", "inspect", "Bearer "+svc)
		if r.code != 0 {
			t.Fatalf("inspect:\n%s", r)
		}
		for _, want := range []string{"Field", "Value", iamtest.ServiceID.IAMID, "kp-automation", "service ID",
			iamtest.ServiceID.Account, "valid for 1 hour 30 minutes", "urn:ibm:params:oauth:grant-type:apikey", "ibm openid", "bx", "UTC"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("table lacks %q:\n%s", want, r.stdout)
			}
		}
		if !strings.Contains(r.stderr, "signature of the token was not verified") {
			t.Errorf("no note about the signature:\n%s", r)
		}
	})
	t.Run("session by default, user", func(t *testing.T) {
		r := h.run("", "inspect")
		if r.code != 0 || !strings.Contains(r.stdout, "Camille Dupont <camille.dupont@example.com>") || !strings.Contains(r.stdout, "user") {
			t.Fatalf("inspect session:\n%s", r)
		}
		assertNoSecrets(t, "output", r.stdout+r.stderr, userTok)
	})
	t.Run("stdin", func(t *testing.T) {
		r := h.run(svc+"\n", "inspect", "-")
		if r.code != 0 || !strings.Contains(r.stdout, iamtest.ServiceID.IAMID) {
			t.Fatalf("inspect -:\n%s", r)
		}
	})
	t.Run("token file", func(t *testing.T) {
		file := filepath.Join(h.home, "tok.json")
		if r := h.run(serviceKey, "get", "--apikey", "-", "--file", file); r.code != 0 {
			t.Fatalf("get:\n%s", r)
		}
		r := h.run("", "inspect", "--file", file)
		if r.code != 0 || !strings.Contains(r.stdout, iamtest.ServiceID.IAMID) {
			t.Fatalf("inspect --file:\n%s", r)
		}
	})
	t.Run("json", func(t *testing.T) {
		r := h.run("", "inspect", svc, "--output", "json")
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != 0 {
			t.Fatalf("%v\n%s", err, r)
		}
		in, _ := doc["expires_in"].(float64)
		if doc["iam_id"] != iamtest.ServiceID.IAMID || doc["sub_type"] != "ServiceId" || doc["client_id"] != "bx" || in < 5400 || in > 5420 {
			t.Fatalf("JSON = %s", r.stdout)
		}
		if _, ok := doc["exp"].(float64); !ok {
			t.Fatalf("exp claim missing: %s", r.stdout)
		}
	})
	t.Run("expired", func(t *testing.T) {
		old := h.iam.AccessToken(iamtest.ServiceID, "urn:ibm:params:oauth:grant-type:apikey", -2*time.Hour)
		r := h.run("", "inspect", old)
		if r.code != 1 || !strings.Contains(r.stdout, "expired 2 hours ago") || !strings.Contains(r.stderr, "FAILED\nThe token has expired.") {
			t.Fatalf("inspect expired:\n%s", r)
		}
		r = h.run("", "inspect", old, "--output", "json")
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != 1 || doc["expires_in"].(float64) > -7190 {
			t.Fatalf("inspect expired json:\n%s", r)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		for _, bad := range []string{"not-a-token", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln"} {
			expectFailure(t, h.run("", "inspect", bad), 1, "cannot be decoded", "whole token")
		}
		expectFailure(t, h.run("", "inspect", "--file", h.write("x.json", "[]")), 1, "is not a token file", "kp-token get")
		expectFailure(t, h.run("", "inspect", "-"), 1, "No token was read from standard input", "whole token")
		expectFailure(t, h.run("", "inspect", "a", "b"), 2, "Give one token at most.", "ibmcloud kp-token inspect --help")
	})
	t.Run("nothing to inspect", func(t *testing.T) {
		h := newHost(t)
		expectFailure(t, h.run("", "inspect"), 1, "No token source was found", "--file FILE")
	})
}
