package kptoken_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// setupHost is a logged-in user with a Key Protect instance whose access
// policies the IAM test server's policies decide.
func setupHost(t *testing.T) (*host, *iamtest.KeyProtect) {
	h := newHost(t)
	h.loginUser(time.Hour)
	kp := h.withSetupKP()
	return h, kp
}

// withSetupKP is withKP with the instance known to the Resource
// Controller, as setup checks, and opened by the policies IAM creates.
func (h *host) withSetupKP() *iamtest.KeyProtect {
	kp := h.withKP()
	h.rc.Add(iamtest.RCInstance{GUID: instanceID, Name: "kp-main", Region: "us-south", ResourceGroup: "default",
		ResourceID: iamtest.KeyProtectResourceID, Account: iamtest.User.Account})
	h.iam.OnPolicy(func(instance, iamID string) { kp.Allow(instance, iamID) })
	return kp
}

func assertNothingLeft(t *testing.T, h *host) {
	t.Helper()
	if s, p, k := h.iam.ServiceIDs(), h.iam.Policies(), h.iam.APIKeys(); len(s)+len(p)+len(k) != 0 {
		t.Fatalf("left behind: %d service IDs, %d policies, %d API keys", len(s), len(p), len(k))
	}
}

func TestSetupThenGetAndVerify(t *testing.T) {
	h, kp := setupHost(t)
	file := filepath.Join(h.home, "kp-auto.json")
	r := h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--role", "writer", "--file", file)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "OK\n") || !strings.Contains(r.stdout, "ibmcloud kp-token get --apikey @"+file+" --instance-id "+instanceID) {
		t.Fatalf("setup failed:\n%s", r)
	}
	sids, pols, keys := h.iam.ServiceIDs(), h.iam.Policies(), h.iam.APIKeys()
	if len(sids) != 1 || len(pols) != 1 || len(keys) != 1 {
		t.Fatalf("created %d service IDs, %d policies, %d keys", len(sids), len(pols), len(keys))
	}
	if sids[0].Name != "kp-auto" || sids[0].Account != iamtest.User.Account {
		t.Fatalf("service ID %+v", sids[0])
	}
	p := pols[0]
	if p.Subject != sids[0].IAMID || p.Role != "crn:v1:bluemix:public:iam::::serviceRole:Writer" || p.Service != "kms" ||
		p.Instance != instanceID || p.Account != iamtest.User.Account {
		t.Fatalf("policy %+v", p)
	}
	assertNoSecrets(t, "setup output", r.stdout+r.stderr, keys[0].Key)
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	var doc map[string]string
	b, _ := os.ReadFile(file)
	if err := json.Unmarshal(b, &doc); err != nil || doc["apikey"] != keys[0].Key || doc["name"] != "kp-auto" || doc["createdAt"] == "" || doc["description"] == "" {
		t.Fatalf("key file content: %v %s", err, b)
	}
	// The page's next steps, done with kp-token.
	if r := h.run("", "verify", "--apikey", "@"+file, "--instance-id", instanceID, "--kp-endpoint", kp.URL); r.code != 0 {
		t.Fatalf("verify with the new key:\n%s", r)
	}
	if r := h.run("", "get", "--apikey", "@"+file, "--output", "header", "--instance-id", instanceID); r.code != 0 || strings.Count(r.stdout, "\n") != 2 {
		t.Fatalf("get with the new key:\n%s", r)
	}
}

func TestSetupRollsBack(t *testing.T) {
	bad := iamtest.Reply{Status: 400, ContentType: "application/json", Body: `{"trace":"x","errors":[{"code":"invalid_body","message":"Invalid body format."}],"status_code":400}`}
	tests := []struct {
		name    string
		prepare func(h *host) []string
		cause   string
		undone  []string
	}{
		{"at the policy", func(h *host) []string {
			h.iam.FailNext("POST /v1/policies", bad)
			return nil
		}, "could not create the access policy (HTTP 400): Invalid body format.", []string{"Undone: the service ID ServiceId-"}},
		{"at the key", func(h *host) []string {
			h.iam.FailNext("POST /v1/apikeys", bad)
			return nil
		}, "could not create the API key (HTTP 400)", []string{"Undone: the access policy", "Undone: the service ID"}},
		{"at the file write", func(h *host) []string {
			dir := filepath.Join(h.home, "taken")
			_ = os.MkdirAll(filepath.Join(dir, "inside"), 0o700)
			return []string{"--file", dir, "-f"}
		}, "The API key could not be saved to", []string{"Undone: the API key", "Undone: the access policy", "Undone: the service ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := setupHost(t)
			extra := tt.prepare(h)
			r := h.run("", append([]string{"setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", filepath.Join(h.home, "k.json")}, extra...)...)
			if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "FAILED\n") || !strings.Contains(r.stderr, tt.cause) {
				t.Fatalf("want FAILED and %q:\n%s", tt.cause, r)
			}
			last := strings.Index(r.stderr, "FAILED")
			for _, u := range tt.undone {
				i := strings.Index(r.stderr, u)
				if i < 0 || i < last {
					t.Fatalf("want %q (in this order):\n%s", tt.undone, r)
				}
				last = i
			}
			assertNothingLeft(t, h)
			if _, err := os.Stat(filepath.Join(h.home, "k.json")); err == nil {
				t.Fatal("a key file was left")
			}
			for _, k := range h.iam.APIKeys() {
				assertNoSecrets(t, "stderr", r.stderr, k.Key)
			}
		})
	}
	t.Run("an undo that fails names what is left and how to delete it", func(t *testing.T) {
		h, _ := setupHost(t)
		h.iam.FailNext("POST /v1/apikeys", bad)
		h.iam.FailNext("DELETE /v1/policies/", bad)
		h.iam.FailNext("DELETE /v1/policies/", bad)
		r := h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", filepath.Join(h.home, "k.json"))
		if r.code != 1 || !strings.Contains(r.stderr, "Not undone: the access policy") || !strings.Contains(r.stderr, "ibmcloud iam service-policy-delete ServiceId-") ||
			!strings.Contains(r.stderr, "Undone: the service ID") {
			t.Fatalf("got:\n%s", r)
		}
	})
}

func TestSetupRefusals(t *testing.T) {
	t.Run("existing service ID", func(t *testing.T) {
		h, _ := setupHost(t)
		existing := h.iam.AddServiceID(iamtest.User.Account, "kp-auto")
		file := filepath.Join(h.home, "k.json")
		r := h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", file)
		expectFailure(t, r, 1, "A service ID named kp-auto already exists in the account ("+existing.ID+")", "--reuse")
		if len(h.iam.Policies())+len(h.iam.APIKeys()) != 0 {
			t.Fatal("something was created")
		}
		r = h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", file, "--reuse")
		if r.code != 0 || !strings.Contains(r.stdout, "(existing)") || len(h.iam.ServiceIDs()) != 1 || len(h.iam.APIKeys()) != 1 {
			t.Fatalf("--reuse:\n%s", r)
		}
	})
	t.Run("existing file", func(t *testing.T) {
		h, _ := setupHost(t)
		file := h.write("k.json", "keep me")
		r := h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", file)
		expectFailure(t, r, 1, "The file "+file+" already exists; nothing was created.", "-f")
		assertNothingLeft(t, h)
		if b, _ := os.ReadFile(file); string(b) != "keep me" {
			t.Fatal("the file was changed")
		}
	})
	t.Run("not logged in", func(t *testing.T) {
		h := newHost(t)
		r := h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID)
		expectFailure(t, r, 1, "Creating a service ID needs a logged-in CLI session.", "ibmcloud login --sso")
	})
	for _, tt := range []struct {
		name, cause string
		args        []string
	}{
		{"no name", "The option --name is required", []string{"--instance-id", instanceID}},
		{"no instance", "needs a Key Protect instance", []string{"--name", "x"}},
		{"bad role", "The role Owner is not a Key Protect role. Use one of: Reader, Writer, Manager.", []string{"--name", "x", "--instance-id", instanceID, "--role", "Owner"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := setupHost(t)
			r := h.run("", append([]string{"setup"}, tt.args...)...)
			expectFailure(t, r, 2, tt.cause, "Incorrect Usage")
			assertNothingLeft(t, h)
		})
	}
}

func TestSetupAndVerifyLocalized(t *testing.T) {
	tests := []struct {
		locale              string
		setupOK, verifyFail string
	}{
		{"fr_FR", "Ensuite, obtenez un jeton avec la clé", "Key Protect a refusé l'accès à l'instance"},
		{"ko_KR", "키로 토큰을 가져오십시오", "인스턴스에 대한 액세스를 거부했습니다"},
	}
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			h, kp := setupHost(t)
			h.loginUser(time.Hour, func(s *iamtest.Session) { s.Locale = tt.locale })
			file := filepath.Join(h.home, "k.json")
			r := h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", file)
			if r.code != 0 || !strings.Contains(r.stdout, tt.setupOK) {
				t.Fatalf("setup:\n%s", r)
			}
			r = h.run("", "verify", "--apikey", "@"+h.write("u", userKey), "--instance-id", instanceID, "--kp-endpoint", kp.URL)
			if r.code != 1 || !strings.Contains(r.stderr, tt.verifyFail) {
				t.Fatalf("verify:\n%s", r)
			}
			r = h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", filepath.Join(h.home, "k2.json"))
			if r.code != 1 || strings.Contains(r.stderr, "already exists in the account") {
				t.Fatalf("the refusal is not localized:\n%s", r)
			}
		})
	}
}

// TestSetupWithAnExplicitSource: setup acts with the identity of an API key
// (or a trusted profile) instead of the CLI session when one is named.
func TestSetupWithAnExplicitSource(t *testing.T) {
	h := newHost(t) // not logged in
	h.withSetupKP()
	file := filepath.Join(h.home, "k.json")
	r := h.run("", "setup", "--name", "kp-auto", "--instance-id", instanceID, "--file", file, "--apikey", "@"+h.write("admin", userKey))
	if r.code != 0 || len(h.iam.ServiceIDs()) != 1 || h.iam.ServiceIDs()[0].Account != iamtest.User.Account {
		t.Fatalf("setup --apikey:\n%s", r)
	}
}
