package verify_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestVerify(t *testing.T) {
	h := cmdtest.New(t)
	kp := h.WithKP()
	key := "@" + h.Write("key", cmdtest.ServiceKey)
	userKeyFile := "@" + h.Write("userkey", cmdtest.UserKey)
	t.Run("access works", func(t *testing.T) {
		r := h.Run("", "verify", "--apikey", key, "--instance-id", cmdtest.InstanceID, "--kp-endpoint", kp.URL)
		// The report is for people: stderr, in their language; stdout
		// holds data only (--output json).
		if r.Code != 0 || r.Stdout != "" || !strings.HasPrefix(r.Stderr, "OK\n") || !strings.Contains(r.Stderr, "Access to the Key Protect instance works.") ||
			!strings.Contains(r.Stderr, iamtest.ServiceID.IAMID) || !strings.Contains(r.Stderr, iamtest.ServiceID.Account) ||
			!strings.Contains(r.Stderr, "3 visible to this identity") || !strings.Contains(r.Stderr, kp.URL) {
			t.Fatalf("got:\n%s", r)
		}
		reqs := kp.Requests()
		last := reqs[len(reqs)-1]
		if last.Path != "/api/v2/keys" || !strings.Contains(last.Query, "limit=1") || !strings.Contains(last.Query, "totalCount=true") || last.Instance != cmdtest.InstanceID || !strings.HasPrefix(last.Authorization, "Bearer ") {
			t.Fatalf("Key Protect saw %+v", last)
		}
	})
	t.Run("access works, JSON", func(t *testing.T) {
		r := h.Run("", "verify", "--apikey", key, "--instance-id", cmdtest.InstanceID, "--kp-endpoint", kp.URL, "--output", "json")
		m := cmdtest.JSONOf(t, r)
		if r.Code != 0 || m["ok"] != true || m["instance_id"] != cmdtest.InstanceID || m["keys_listed"] != float64(1) || m["keys_visible"] != float64(3) {
			t.Fatalf("got:\n%s", r)
		}
	})
	tls := cmdtest.UntrustedTLS(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + l.Addr().String()
	l.Close()
	tests := []struct {
		name          string
		key, instance string
		endpoint      string
		script        []iamtest.Reply
		env           map[string]string
		cause, remedy string
	}{
		// The advice fits the identity: a user is given a role with
		// user-policy-create and their e-mail address, a service ID with
		// service-policy-create and its ID.
		{"a user without a role on the instance", userKeyFile, cmdtest.InstanceID, kp.URL, nil, nil,
			"Key Protect refused access to the instance " + cmdtest.InstanceID + " (HTTP 401): the identity " + iamtest.User.Email + " has no Key Protect role on it.",
			"Give the user a role on the instance by running 'ibmcloud iam user-policy-create " + iamtest.User.Email + " --roles Reader --service-name kms --service-instance " + cmdtest.InstanceID + "'"},
		{"a service ID without a role on the instance", key, cmdtest.OtherInstance, kp.URL, nil, nil,
			"Key Protect refused access to the instance " + cmdtest.OtherInstance + " (HTTP 401): the identity " + iamtest.ServiceID.IAMID + " has no Key Protect role on it.",
			"Give the service ID a role on the instance by running 'ibmcloud iam service-policy-create " + strings.TrimPrefix(iamtest.ServiceID.IAMID, "iam-") +
				" --roles Reader --service-name kms --service-instance " + cmdtest.OtherInstance + "'."},
		{"instance not found", key, "11111111-2222-4333-8444-555555555555", kp.URL, nil, nil,
			"does not know the instance 11111111-2222-4333-8444-555555555555 (HTTP 404: INSTANCE_NOT_FOUND_ERR", "ibmcloud resource service-instances"},
		{"bad token", key, cmdtest.InstanceID, kp.URL, []iamtest.Reply{{Status: 400, ContentType: "application/json",
			Body: `{"metadata":{"collectionType":"application/vnd.ibm.kms.error+json","collectionTotal":1},"resources":[{"errorMsg":"Bad Request: The bearer token could not be read","reasons":[{"code":"BEARER_SUB_EXTRACTION_ERR","message":"The bearer token could not be read","status":400}]}]}`}}, nil,
			"Key Protect refused the request (HTTP 400): BEARER_SUB_EXTRACTION_ERR: The bearer token could not be read", "Check the access token and the instance ID"},
		{"endpoint unreachable", key, cmdtest.InstanceID, closed, nil, nil, "kp-token could not reach Key Protect at " + closed + ". The connection was refused", "Check your network connection and the endpoint"},
		{"TLS failure", key, cmdtest.InstanceID, tls.URL, nil, nil, "signed by an authority this machine does not trust", "Check your network connection and the endpoint"},
		{"timeout", key, cmdtest.InstanceID, kp.URL, []iamtest.Reply{{Status: 200, Delay: 2500 * time.Millisecond}}, map[string]string{"IBMCLOUD_HTTP_TIMEOUT": "1"},
			"No answer came from Key Protect at " + kp.URL + " within 1 second.", "--http-timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, asJSON := range []bool{false, true} {
				kp.Script(tt.script...)
				args := []string{"verify", "--apikey", tt.key, "--instance-id", tt.instance, "--kp-endpoint", tt.endpoint}
				if asJSON {
					args = append(args, "--output", "json")
				}
				r := h.RunEnv(tt.env, "", args...)
				if !asJSON {
					cmdtest.ExpectFailure(t, r, 1, tt.cause, tt.remedy)
					continue
				}
				m := cmdtest.JSONOf(t, r)
				if r.Code != 1 || m["ok"] != false || !strings.Contains(m["cause"].(string), tt.cause) || !strings.Contains(m["remedy"].(string), tt.remedy) {
					t.Fatalf("JSON verdict:\n%s", r)
				}
			}
		})
	}
	t.Run("a trusted profile without a role on the instance", func(t *testing.T) {
		p := h.WithProfile()
		r := h.Run(cmdtest.CRToken, "verify", "--cr-token", "-", "--profile", p.ID, "--instance-id", cmdtest.OtherInstance, "--kp-endpoint", kp.URL)
		cmdtest.ExpectFailure(t, r, 1, "the identity iam-"+p.ID+" has no Key Protect role on it.",
			"Give the trusted profile a role on the instance by running 'ibmcloud iam trusted-profile-policy-create "+p.ID+
				" --roles Reader --service-name kms --service-instance "+cmdtest.OtherInstance+"'.")
	})
	t.Run("no instance and none in the account", func(t *testing.T) {
		r := h.Run("", "verify", "--apikey", key, "--kp-endpoint", kp.URL, "--region", "us-south")
		cmdtest.ExpectFailure(t, r, 1, "No Key Protect instance was found in the region us-south.", "ibmcloud resource service-instance-create NAME kms tiered-pricing us-south")
	})
}

// TestVerifyJSONIsTheSameInEveryLanguage: the verdict on stdout is data,
// the same bytes in every locale, its cause and remedy in English as
// IAM's and Key Protect's own messages are; FAILED on stderr says them in
// the user's language.
func TestVerifyJSONIsTheSameInEveryLanguage(t *testing.T) {
	h := cmdtest.New(t)
	kp := h.WithKP()
	userKeyFile := "@" + h.Write("userkey", cmdtest.UserKey)
	args := []string{"verify", "--apikey", userKeyFile, "--instance-id", cmdtest.InstanceID, "--kp-endpoint", kp.URL, "--output", "json"}
	en := h.RunEnv(map[string]string{"LANG": "en_US.UTF-8"}, "", args...)
	if m := cmdtest.JSONOf(t, en); en.Code != 1 || !strings.HasPrefix(m["cause"].(string), "Key Protect refused access to the instance") {
		t.Fatalf("en_US:\n%s", en)
	}
	for _, locale := range []string{"fr_FR", "ko_KR", "zh_Hant"} {
		r := h.RunEnv(map[string]string{"LANG": locale + ".UTF-8"}, "", args...)
		if r.Code != 1 || r.Stdout != en.Stdout || r.Stderr == en.Stderr {
			t.Fatalf("%s: stdout is not en_US's, or stderr is not in %s:\n%s", locale, locale, r)
		}
	}
}
