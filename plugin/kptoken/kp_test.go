package kptoken_test

import (
	"encoding/json"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

const (
	instanceID    = "0d2a5b8e-1111-4c4c-9d9d-123456789abc"
	otherInstance = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
)

// withKP adds a Key Protect server that trusts the host's IAM, with one
// instance the service ID may use and one it may not.
func (h *host) withKP() *iamtest.KeyProtect {
	h.t.Helper()
	kp := iamtest.NewKeyProtect(h.iam)
	h.t.Cleanup(kp.Close)
	kp.AddInstance(instanceID, 3)
	kp.Allow(instanceID, iamtest.ServiceID.IAMID)
	kp.AddInstance(otherInstance, 0)
	return kp
}

func jsonOf(t *testing.T, r result) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, r)
	}
	return m
}

func TestGetKeyProtectEndpoint(t *testing.T) {
	tests := []struct {
		name    string
		session func(*iamtest.Session)
		env     map[string]string
		args    []string
		want    string
	}{
		{"the CLI's targeted region", nil, nil, nil, "https://us-south.kms.cloud.ibm.com"},
		{"--region wins over the target", nil, nil, []string{"--region", "eu-de"}, "https://eu-de.kms.cloud.ibm.com"},
		{"private endpoints", func(s *iamtest.Session) { s.Private = true; s.PrivateIAMEndpoint = s.IAMEndpoint }, nil, nil, "https://private.us-south.kms.cloud.ibm.com"},
		{"private with --region", func(s *iamtest.Session) { s.Private = true; s.PrivateIAMEndpoint = s.IAMEndpoint }, nil, []string{"--region", "jp-tok"}, "https://private.jp-tok.kms.cloud.ibm.com"},
		{"KP_ENDPOINT", nil, map[string]string{"KP_ENDPOINT": "https://kms.example.com/"}, []string{"--region", "eu-de"}, "https://kms.example.com"},
		{"--kp-endpoint wins over KP_ENDPOINT", nil, map[string]string{"KP_ENDPOINT": "https://kms.example.com"}, []string{"--kp-endpoint", "http://127.0.0.1:9"}, "http://127.0.0.1:9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t)
			mods := []func(*iamtest.Session){}
			if tt.session != nil {
				mods = append(mods, tt.session)
			}
			h.loginUser(time.Hour, mods...)
			r := h.runEnv(tt.env, "", append([]string{"get", "--output", "json", "--instance-id", instanceID}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("get failed:\n%s", r)
			}
			m := jsonOf(t, r)
			if m["kp_endpoint"] != tt.want || m["instance_id"] != instanceID {
				t.Fatalf("kp_endpoint %v, instance_id %v; want %s", m["kp_endpoint"], m["instance_id"], tt.want)
			}
		})
	}
}

func TestGetKeyProtectFailures(t *testing.T) {
	tests := []struct {
		name          string
		env           map[string]string
		args          []string
		code          int
		cause, remedy string
	}{
		{"unknown region", nil, []string{"--region", "mars-1", "--output", "env"}, 1,
			"Key Protect is not available in the region mars-1. Known regions: us-south, us-east, eu-gb, eu-de", "--region"},
		{"instance ID not a GUID", nil, []string{"--instance-id", "my-instance"}, 2,
			"The value my-instance of --instance-id is not a Key Protect instance ID", "Incorrect Usage"},
		{"KP_INSTANCE_ID not a GUID", map[string]string{"KP_INSTANCE_ID": "nope"}, nil, 2,
			"The value nope of KP_INSTANCE_ID is not a Key Protect instance ID", "Incorrect Usage"},
		{"plain http endpoint", nil, []string{"--kp-endpoint", "http://kms.example.com", "--output", "env"}, 1,
			"The Key Protect endpoint http://kms.example.com (from --kp-endpoint) uses plain HTTP", "https://us-south.kms.cloud.ibm.com"},
		{"env needs a region", map[string]string{}, []string{"--output", "env"}, 1,
			"No region is known for Key Protect", "ibmcloud target -r REGION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t)
			h.loginUser(time.Minute, func(s *iamtest.Session) {
				if tt.name == "env needs a region" {
					s.Region = ""
				}
			})
			r := h.runEnv(tt.env, "", append([]string{"get"}, tt.args...)...)
			expectFailure(t, r, tt.code, tt.cause, tt.remedy)
			if h.iam.Count() != 0 {
				t.Fatalf("a usage error still cost %d IAM requests", h.iam.Count())
			}
		})
	}
}

func TestGetHeaderAndEnvForms(t *testing.T) {
	h := newHost(t)
	access, _ := h.loginUser(time.Hour)
	t.Run("header", func(t *testing.T) {
		r := h.run("", "get", "--output", "header", "--instance-id", instanceID)
		want := "Authorization: Bearer " + access + "\nbluemix-instance: " + instanceID + "\n"
		if r.code != 0 || r.stdout != want || r.stderr != "" {
			t.Fatalf("want exactly the two header lines:\n%s", r)
		}
	})
	t.Run("header without an instance looks for one, and says so when there is none", func(t *testing.T) {
		r := h.run("", "get", "--output", "header")
		expectFailure(t, r, 1, "No Key Protect instance was found in the region us-south.", "ibmcloud target")
	})
	t.Run("env evaluates in sh to the exact values", func(t *testing.T) {
		sh, err := exec.LookPath("sh")
		if err != nil {
			t.Skip("no sh")
		}
		r := h.runEnv(map[string]string{"KP_INSTANCE_ID": instanceID}, "", "get", "--output", "env", "--kp-endpoint", "https://kms.example.com/it's")
		if r.code != 0 {
			t.Fatalf("get failed:\n%s", r)
		}
		out, err := exec.Command(sh, "-c", r.stdout+`printf '%s|%s|%s' "$KP_ACCESS_TOKEN" "$KP_INSTANCE_ID" "$KP_ENDPOINT"`).Output()
		if err != nil {
			t.Fatal(err)
		}
		// The endpoint comes back as given, its quote percent-encoded: no
		// quote of any shell reaches the line (see TestHostileValuesNeverReachEval).
		if want := "Bearer " + access + "|" + instanceID + "|https://kms.example.com/it%27s"; string(out) != want {
			t.Fatalf("eval gave %q, want %q", out, want)
		}
	})
	t.Run("env for PowerShell", func(t *testing.T) {
		r := h.run("", "get", "--output", "env", "--shell", "powershell", "--instance-id", instanceID)
		want := "$env:KP_ACCESS_TOKEN = 'Bearer " + access + "'\n$env:KP_INSTANCE_ID = '" + instanceID + "'\n$env:KP_ENDPOINT = 'https://us-south.kms.cloud.ibm.com'\n"
		if r.code != 0 || r.stdout != want {
			t.Fatalf("got:\n%s", r)
		}
	})
}

func TestExec(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	h := newHost(t)
	key := "@" + h.write("key", serviceKey)
	base := []string{"exec", "--apikey", key, "--instance-id", instanceID, "--kp-endpoint", "http://127.0.0.1:9", "--"}
	t.Run("environment, argv and exit status", func(t *testing.T) {
		r := h.run("", append(base, "sh", "-c", `printf '%s\n%s\n%s\n' "$KP_ACCESS_TOKEN" "$KP_INSTANCE_ID" "$KP_ENDPOINT"; printf 'argv:%s\n' "$0 $*" >&2; exit 7`, "arg0", "arg1")...)
		if r.code != 7 {
			t.Fatalf("want the child's exit status 7:\n%s", r)
		}
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "Bearer ") || lines[1] != instanceID || lines[2] != "http://127.0.0.1:9" {
			t.Fatalf("child environment:\n%s", r)
		}
		tok := strings.TrimPrefix(lines[0], "Bearer ")
		if !h.iam.Verify(tok) {
			t.Fatal("the child got a token IAM did not sign")
		}
		if !strings.Contains(r.stderr, "argv:arg0 arg1") || strings.Contains(r.stderr, tok) {
			t.Fatalf("the child's argv holds the token or lost its arguments:\n%s", r)
		}
	})
	t.Run("stdin passes through", func(t *testing.T) {
		r := h.run("hello from stdin\n", append(base, "cat")...)
		if r.code != 0 || r.stdout != "hello from stdin\n" {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("no -- needed", func(t *testing.T) {
		r := h.run("", "exec", "--apikey", key, "--instance-id", instanceID, "--kp-endpoint", "http://127.0.0.1:9", "-q", "sh", "-c", "exit 3")
		if r.code != 3 || r.stderr != "" {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("signals are forwarded", func(t *testing.T) {
		r := h.run("", append(base, "sh", "-c", `trap 'exit 42' TERM; kill -TERM $PPID; sleep 5 & wait`)...)
		if r.code != 42 {
			t.Fatalf("want 42 from the child's TERM trap:\n%s", r)
		}
	})
	t.Run("command not found", func(t *testing.T) {
		r := h.run("", append(base, "no-such-command-kp-token")...)
		expectFailure(t, r, 127, "The command no-such-command-kp-token was not found", "PATH")
	})
	t.Run("no command", func(t *testing.T) {
		r := h.run("", "exec", "--apikey", key)
		expectFailure(t, r, 2, "No command to run was given", "Incorrect Usage")
	})
	t.Run("the token has --min-validity left", func(t *testing.T) {
		h := newHost(t)
		h.loginUser(4 * time.Minute) // inside the default 5m: renewed first
		r := h.run("", "exec", "--instance-id", instanceID, "--kp-endpoint", "http://127.0.0.1:9", "--", "sh", "-c", `printf '%s' "$KP_ACCESS_TOKEN"`)
		if r.code != 0 || h.iam.Count() != 1 {
			t.Fatalf("the expiring session token was not renewed before exec (IAM calls %d):\n%s", h.iam.Count(), r)
		}
	})
}

func TestVerify(t *testing.T) {
	h := newHost(t)
	kp := h.withKP()
	key := "@" + h.write("key", serviceKey)
	userKeyFile := "@" + h.write("userkey", userKey)
	t.Run("access works", func(t *testing.T) {
		r := h.run("", "verify", "--apikey", key, "--instance-id", instanceID, "--kp-endpoint", kp.URL)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "OK\n") || !strings.Contains(r.stdout, "Access to the Key Protect instance works.") ||
			!strings.Contains(r.stdout, iamtest.ServiceID.IAMID) || !strings.Contains(r.stdout, iamtest.ServiceID.Account) ||
			!strings.Contains(r.stdout, "3 visible to this identity") || !strings.Contains(r.stdout, kp.URL) {
			t.Fatalf("got:\n%s", r)
		}
		reqs := kp.Requests()
		last := reqs[len(reqs)-1]
		if last.Path != "/api/v2/keys" || !strings.Contains(last.Query, "limit=1") || !strings.Contains(last.Query, "totalCount=true") || last.Instance != instanceID || !strings.HasPrefix(last.Authorization, "Bearer ") {
			t.Fatalf("Key Protect saw %+v", last)
		}
	})
	t.Run("access works, JSON", func(t *testing.T) {
		r := h.run("", "verify", "--apikey", key, "--instance-id", instanceID, "--kp-endpoint", kp.URL, "--output", "json")
		m := jsonOf(t, r)
		if r.code != 0 || m["ok"] != true || m["instance_id"] != instanceID || m["keys_listed"] != float64(1) || m["keys_visible"] != float64(3) {
			t.Fatalf("got:\n%s", r)
		}
	})
	tls := untrustedTLS(t)
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
		{"no role on the instance", userKeyFile, instanceID, kp.URL, nil, nil,
			"Key Protect refused access to the instance " + instanceID + " (HTTP 401): the identity " + iamtest.User.Email + " has no Key Protect role on it.",
			"ibmcloud iam service-policy-create SERVICE_ID --roles Reader --service-name kms --service-instance " + instanceID},
		{"instance not found", key, "11111111-2222-4333-8444-555555555555", kp.URL, nil, nil,
			"does not know the instance 11111111-2222-4333-8444-555555555555 (HTTP 404: INSTANCE_NOT_FOUND_ERR", "ibmcloud resource service-instances"},
		{"bad token", key, instanceID, kp.URL, []iamtest.Reply{{Status: 400, ContentType: "application/json",
			Body: `{"metadata":{"collectionType":"application/vnd.ibm.kms.error+json","collectionTotal":1},"resources":[{"errorMsg":"Bad Request: The bearer token could not be read","reasons":[{"code":"BEARER_SUB_EXTRACTION_ERR","message":"The bearer token could not be read","status":400}]}]}`}}, nil,
			"Key Protect refused the request (HTTP 400): BEARER_SUB_EXTRACTION_ERR: The bearer token could not be read", "Check the access token and the instance ID"},
		{"endpoint unreachable", key, instanceID, closed, nil, nil, "Key Protect at " + closed + " cannot be reached. The connection was refused", "Key Protect endpoint"},
		{"TLS failure", key, instanceID, tls.URL, nil, nil, "signed by an authority this machine does not trust", "Key Protect endpoint"},
		{"timeout", key, instanceID, kp.URL, []iamtest.Reply{{Status: 200, Delay: 2500 * time.Millisecond}}, map[string]string{"IBMCLOUD_HTTP_TIMEOUT": "1"},
			"Key Protect at " + kp.URL + " did not answer within 1 seconds", "--http-timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, asJSON := range []bool{false, true} {
				kp.Script(tt.script...)
				args := []string{"verify", "--apikey", tt.key, "--instance-id", tt.instance, "--kp-endpoint", tt.endpoint, "--no-cache"}
				if asJSON {
					args = append(args, "--output", "json")
				}
				r := h.runEnv(tt.env, "", args...)
				if !asJSON {
					expectFailure(t, r, 1, tt.cause, tt.remedy)
					continue
				}
				m := jsonOf(t, r)
				if r.code != 1 || m["ok"] != false || !strings.Contains(m["cause"].(string), tt.cause) || !strings.Contains(m["remedy"].(string), tt.remedy) {
					t.Fatalf("JSON verdict:\n%s", r)
				}
			}
		})
	}
	t.Run("no instance and none in the account", func(t *testing.T) {
		r := h.run("", "verify", "--apikey", key, "--kp-endpoint", kp.URL, "--region", "us-south")
		expectFailure(t, r, 1, "No Key Protect instance was found in the region us-south.", "ibmcloud resource service-instance-create NAME kms tiered-pricing us-south")
	})
}
