package setup_test

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

func TestSetupThenGetAndVerify(t *testing.T) {
	h, kp := setupHost(t)
	file := filepath.Join(h.Home, "kp-auto.json")
	r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--role", "writer", "--file", file)
	if r.Code != 0 || r.Stdout != "" || !strings.Contains(r.Stderr, "...\nOK\n") || !strings.Contains(r.Stderr, "ibmcloud kp-token get --apikey @"+file+" --instance-id "+cmdtest.InstanceID) {
		t.Fatalf("setup failed:\n%s", r)
	}
	sids, pols, keys := h.IAM.ServiceIDs(), h.IAM.Policies(), h.IAM.APIKeys()
	if len(sids) != 1 || len(pols) != 1 || len(keys) != 1 {
		t.Fatalf("created %d service IDs, %d policies, %d keys", len(sids), len(pols), len(keys))
	}
	if sids[0].Name != "kp-auto" || sids[0].Account != iamtest.User.Account {
		t.Fatalf("service ID %+v", sids[0])
	}
	p := pols[0]
	if p.Subject != sids[0].IAMID || p.Role != "crn:v1:bluemix:public:iam::::serviceRole:Writer" || p.Service != "kms" ||
		p.Instance != cmdtest.InstanceID || p.Account != iamtest.User.Account {
		t.Fatalf("policy %+v", p)
	}
	cmdtest.AssertNoSecrets(t, "setup output", r.Stdout+r.Stderr, keys[0].Key)
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
	if r := h.Run("", "verify", "--apikey", "@"+file, "--instance-id", cmdtest.InstanceID, "--kp-endpoint", kp.URL); r.Code != 0 {
		t.Fatalf("verify with the new key:\n%s", r)
	}
	if r := h.Run("", "get", "--apikey", "@"+file, "--output", "header", "--instance-id", cmdtest.InstanceID); r.Code != 0 || strings.Count(r.Stdout, "\n") != 2 {
		t.Fatalf("get with the new key:\n%s", r)
	}
}

func TestSetupRollsBack(t *testing.T) {
	bad := iamtest.Reply{Status: 400, ContentType: "application/json", Body: `{"trace":"x","errors":[{"code":"invalid_body","message":"Invalid body format."}],"status_code":400}`}
	tests := []struct {
		name    string
		prepare func(h *cmdtest.Host) []string
		cause   string
		undone  []string
	}{
		{"at the policy", func(h *cmdtest.Host) []string {
			h.IAM.FailNext("POST /v1/policies", bad)
			return nil
		}, "could not create the access policy (HTTP 400): Invalid body format.", []string{"Undone: the service ID ServiceId-"}},
		{"at the key", func(h *cmdtest.Host) []string {
			h.IAM.FailNext("POST /v1/apikeys", bad)
			return nil
		}, "could not create the API key (HTTP 400)", []string{"Undone: the access policy", "Undone: the service ID"}},
		{"at the file write", func(h *cmdtest.Host) []string {
			dir := filepath.Join(h.Home, "taken")
			_ = os.MkdirAll(filepath.Join(dir, "inside"), 0o700)
			return []string{"--file", dir, "-f"}
		}, "The API key could not be saved to", []string{"Undone: the API key", "Undone: the access policy", "Undone: the service ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := setupHost(t)
			extra := tt.prepare(h)
			r := h.Run("", append([]string{"setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", filepath.Join(h.Home, "k.json")}, extra...)...)
			if r.Code != 1 || r.Stdout != "" || !strings.Contains(r.Stderr, "FAILED\n") || !strings.Contains(r.Stderr, tt.cause) {
				t.Fatalf("want FAILED and %q:\n%s", tt.cause, r)
			}
			last := strings.Index(r.Stderr, "FAILED")
			for _, u := range tt.undone {
				i := strings.Index(r.Stderr, u)
				if i < 0 || i < last {
					t.Fatalf("want %q (in this order):\n%s", tt.undone, r)
				}
				last = i
			}
			cmdtest.AssertNothingLeft(t, h)
			if _, err := os.Stat(filepath.Join(h.Home, "k.json")); err == nil {
				t.Fatal("a key file was left")
			}
			for _, k := range h.IAM.APIKeys() {
				cmdtest.AssertNoSecrets(t, "stderr", r.Stderr, k.Key)
			}
		})
	}
	t.Run("an undo that fails names what is left and how to delete it", func(t *testing.T) {
		h, _ := setupHost(t)
		h.IAM.FailNext("POST /v1/apikeys", bad)
		h.IAM.FailNext("DELETE /v1/policies/", bad)
		h.IAM.FailNext("DELETE /v1/policies/", bad)
		r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", filepath.Join(h.Home, "k.json"))
		if r.Code != 1 || !strings.Contains(r.Stderr, "Not undone: the access policy") || !strings.Contains(r.Stderr, "ibmcloud iam service-policy-delete ServiceId-") ||
			!strings.Contains(r.Stderr, "Undone: the service ID") {
			t.Fatalf("got:\n%s", r)
		}
	})
}

func TestSetupRefusals(t *testing.T) {
	t.Run("existing service ID", func(t *testing.T) {
		h, _ := setupHost(t)
		existing := h.IAM.AddServiceID(iamtest.User.Account, "kp-auto")
		file := filepath.Join(h.Home, "k.json")
		r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", file)
		cmdtest.ExpectFailure(t, r, 1, "A service ID named kp-auto already exists in the account ("+existing.ID+")", "--reuse")
		if len(h.IAM.Policies())+len(h.IAM.APIKeys()) != 0 {
			t.Fatal("something was created")
		}
		r = h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", file, "--reuse")
		if r.Code != 0 || !strings.Contains(r.Stderr, "(existing)") || len(h.IAM.ServiceIDs()) != 1 || len(h.IAM.APIKeys()) != 1 {
			t.Fatalf("--reuse:\n%s", r)
		}
	})
	t.Run("existing file", func(t *testing.T) {
		h, _ := setupHost(t)
		file := h.Write("k.json", "keep me")
		r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", file)
		cmdtest.ExpectFailure(t, r, 1, "The file "+file+" already exists; nothing was created.", "-f")
		cmdtest.AssertNothingLeft(t, h)
		if b, _ := os.ReadFile(file); string(b) != "keep me" {
			t.Fatal("the file was changed")
		}
	})
	t.Run("not logged in", func(t *testing.T) {
		h := cmdtest.New(t)
		r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID)
		cmdtest.ExpectFailure(t, r, 1, "Creating a service ID needs a logged-in CLI session.", "ibmcloud login --sso")
	})
	for _, tt := range []struct {
		name, cause string
		args        []string
	}{
		{"no name", "The option --name is required", []string{"--instance-id", cmdtest.InstanceID}},
		{"no instance", "needs a Key Protect instance", []string{"--name", "x"}},
		{"bad role", "The role Owner is not a Key Protect role. Use one of: Reader, Writer, Manager.", []string{"--name", "x", "--instance-id", cmdtest.InstanceID, "--role", "Owner"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := setupHost(t)
			r := h.Run("", append([]string{"setup"}, tt.args...)...)
			cmdtest.ExpectFailure(t, r, 2, tt.cause, "Incorrect Usage")
			cmdtest.AssertNothingLeft(t, h)
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
			h.LoginUser(time.Hour, func(s *iamtest.Session) { s.Locale = tt.locale })
			file := filepath.Join(h.Home, "k.json")
			r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", file)
			if r.Code != 0 || r.Stdout != "" || !strings.Contains(r.Stderr, tt.setupOK) {
				t.Fatalf("setup:\n%s", r)
			}
			r = h.Run("", "verify", "--apikey", "@"+h.Write("u", cmdtest.UserKey), "--instance-id", cmdtest.InstanceID, "--kp-endpoint", kp.URL)
			if r.Code != 1 || !strings.Contains(r.Stderr, tt.verifyFail) {
				t.Fatalf("verify:\n%s", r)
			}
			r = h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", filepath.Join(h.Home, "k2.json"))
			if r.Code != 1 || strings.Contains(r.Stderr, "already exists in the account") {
				t.Fatalf("the refusal is not localized:\n%s", r)
			}
		})
	}
}

// TestSetupWithAnExplicitSource: setup acts with the identity of an API key
// (or a trusted profile) instead of the CLI session when one is named.
func TestSetupWithAnExplicitSource(t *testing.T) {
	h := cmdtest.New(t) // not logged in
	h.WithSetupKP()
	file := filepath.Join(h.Home, "k.json")
	r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", file, "--apikey", "@"+h.Write("admin", cmdtest.UserKey))
	if r.Code != 0 || len(h.IAM.ServiceIDs()) != 1 || h.IAM.ServiceIDs()[0].Account != iamtest.User.Account {
		t.Fatalf("setup --apikey:\n%s", r)
	}
}

// setupHost is a logged-in user with a Key Protect instance whose access
// policies the IAM test server's policies decide.
func setupHost(t *testing.T) (*cmdtest.Host, *iamtest.KeyProtect) {
	h := cmdtest.New(t)
	h.LoginUser(time.Hour)
	kp := h.WithSetupKP()
	return h, kp
}
