package setup_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// TestSetupAsksKeyProtectWhenTheResourceControllerRefuses: an identity
// with Key Protect roles but none on the Resource Controller (403) still
// gets its instance checked: Key Protect's INSTANCE_NOT_FOUND_ERR stops
// setup with nothing created, any other answer lets it go on, and no
// answer at all stops it.
func TestSetupAsksKeyProtectWhenTheResourceControllerRefuses(t *testing.T) {
	const unknown = "11111111-2222-4333-8444-555555555555"
	kpError := func(status int, code string) iamtest.Reply {
		return iamtest.Reply{Status: status, ContentType: "application/json", Body: `{"metadata":{"collectionType":"application/vnd.ibm.kms.error+json","collectionTotal":1},` +
			`"resources":[{"errorMsg":"Bad Request: the instance","reasons":[{"code":"` + code + `","message":"the instance","status":400}]}]}`}
	}
	tests := []struct {
		name     string
		instance string
		prepare  func(h *cmdtest.Host, kp *iamtest.KeyProtect)
		cause    string // "" when setup goes on
	}{
		{"a known instance", cmdtest.InstanceID, nil, ""},
		{"an unknown instance (404)", unknown, nil, "No Key Protect instance " + unknown + " was found in the account " + iamtest.User.Account + "; nothing was created."},
		{"an unknown instance (400)", cmdtest.InstanceID, func(h *cmdtest.Host, kp *iamtest.KeyProtect) {
			kp.Script(kpError(400, "INSTANCE_NOT_FOUND_ERR"))
		}, "No Key Protect instance " + cmdtest.InstanceID + " was found"},
		{"another refusal", cmdtest.InstanceID, func(h *cmdtest.Host, kp *iamtest.KeyProtect) {
			kp.Script(kpError(400, "BAD_REQUEST_ERR"))
		}, ""},
		{"no answer", cmdtest.InstanceID, func(h *cmdtest.Host, kp *iamtest.KeyProtect) {
			l, _ := net.Listen("tcp", "127.0.0.1:0")
			h.Env["KP_ENDPOINT"] = "http://" + l.Addr().String()
			l.Close()
		}, "Key Protect at http://127.0.0.1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, kp := setupHost(t)
			rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(`{"message":"You are not authorized to view this instance.","status_code":403}`))
			}))
			defer rc.Close()
			h.Env["RESOURCE_CONTROLLER_URL"] = rc.URL
			h.Env["KP_ENDPOINT"] = kp.URL
			if tt.prepare != nil {
				tt.prepare(h, kp)
			}
			file := filepath.Join(h.Home, "k.json")
			r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", tt.instance, "--file", file)
			if tt.cause != "" {
				cmdtest.ExpectFailure(t, r, 1, tt.cause, "")
				cmdtest.AssertNothingLeft(t, h)
				return
			}
			if r.Code != 0 || len(h.IAM.Policies()) != 1 || h.IAM.Policies()[0].Instance != tt.instance ||
				!strings.Contains(r.Stderr, "The Resource Controller refused to look up the instance "+tt.instance+" (HTTP 403); Key Protect did not say that it is unknown, so the setup goes on.") {
				t.Fatalf("want setup done, and said why:\n%s", r)
			}
		})
	}
	t.Run("another refusal of the Resource Controller stays a failure", func(t *testing.T) {
		h, kp := setupHost(t)
		rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"message":"Bad request.","status_code":400}`))
		}))
		defer rc.Close()
		h.Env["RESOURCE_CONTROLLER_URL"] = rc.URL
		h.Env["KP_ENDPOINT"] = kp.URL
		r := h.Run("", "setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", filepath.Join(h.Home, "k.json"))
		cmdtest.ExpectFailure(t, r, 1, "refused the request (HTTP 400)", "")
		cmdtest.AssertNothingLeft(t, h)
		if len(kp.Requests()) != 0 {
			t.Fatal("Key Protect was asked")
		}
	})
}
