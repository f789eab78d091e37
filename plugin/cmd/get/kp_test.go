package get_test

import (
	"os/exec"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

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
			h := cmdtest.New(t)
			mods := []func(*iamtest.Session){}
			if tt.session != nil {
				mods = append(mods, tt.session)
			}
			h.LoginUser(time.Hour, mods...)
			r := h.RunEnv(tt.env, "", append([]string{"get", "--output", "json", "--instance-id", cmdtest.InstanceID}, tt.args...)...)
			if r.Code != 0 {
				t.Fatalf("get failed:\n%s", r)
			}
			m := cmdtest.JSONOf(t, r)
			if m["kp_endpoint"] != tt.want || m["instance_id"] != cmdtest.InstanceID {
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
		Code          int
		cause, remedy string
	}{
		{"unknown region", nil, []string{"--region", "mars-1", "--output", "env"}, 2,
			"Key Protect is not available in the region mars-1. Known regions: us-south, us-east, eu-gb, eu-de", "--region"},
		{"instance ID not a GUID", nil, []string{"--instance-id", "my-instance"}, 2,
			"The value my-instance of --instance-id is not a Key Protect instance ID", "Incorrect Usage"},
		{"KP_INSTANCE_ID not a GUID", map[string]string{"KP_INSTANCE_ID": "nope"}, nil, 2,
			"The value nope of KP_INSTANCE_ID is not a Key Protect instance ID", "Incorrect Usage"},
		{"plain http endpoint", nil, []string{"--kp-endpoint", "http://kms.example.com", "--output", "env"}, 1,
			"The endpoint http://kms.example.com for Key Protect (from --kp-endpoint) uses plain HTTP", "or leave out --kp-endpoint to use the default"},
		{"env needs a region", map[string]string{}, []string{"--output", "env"}, 1,
			"No region is known for Key Protect", "ibmcloud target -r REGION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := cmdtest.New(t)
			h.LoginUser(time.Minute, func(s *iamtest.Session) {
				if tt.name == "env needs a region" {
					s.Region = ""
				}
			})
			r := h.RunEnv(tt.env, "", append([]string{"get"}, tt.args...)...)
			cmdtest.ExpectFailure(t, r, tt.Code, tt.cause, tt.remedy)
			if h.IAM.Count() != 0 {
				t.Fatalf("a usage error still cost %d IAM requests", h.IAM.Count())
			}
		})
	}
}

func TestGetHeaderAndEnvForms(t *testing.T) {
	h := cmdtest.New(t)
	access, _ := h.LoginUser(time.Hour)
	t.Run("header", func(t *testing.T) {
		r := h.Run("", "get", "--output", "header", "--instance-id", cmdtest.InstanceID)
		want := "Authorization: Bearer " + access + "\nbluemix-instance: " + cmdtest.InstanceID + "\n"
		if r.Code != 0 || r.Stdout != want || r.Stderr != "" {
			t.Fatalf("want exactly the two header lines:\n%s", r)
		}
	})
	t.Run("header without an instance looks for one, and says so when there is none", func(t *testing.T) {
		r := h.Run("", "get", "--output", "header")
		cmdtest.ExpectFailure(t, r, 1, "No Key Protect instance was found in the region us-south.", "ibmcloud target")
	})
	t.Run("env evaluates in sh to the exact values", func(t *testing.T) {
		sh, err := exec.LookPath("sh")
		if err != nil {
			t.Skip("no sh")
		}
		r := h.RunEnv(map[string]string{"KP_INSTANCE_ID": cmdtest.InstanceID}, "", "get", "--output", "env", "--kp-endpoint", "https://kms.example.com/it's")
		if r.Code != 0 {
			t.Fatalf("get failed:\n%s", r)
		}
		out, err := exec.Command(sh, "-c", r.Stdout+`printf '%s|%s|%s' "$KP_ACCESS_TOKEN" "$KP_INSTANCE_ID" "$KP_ENDPOINT"`).Output()
		if err != nil {
			t.Fatal(err)
		}
		// The endpoint comes back as given, its quote percent-encoded: no
		// quote of any shell reaches the line (see TestHostileValuesNeverReachEval).
		if want := "Bearer " + access + "|" + cmdtest.InstanceID + "|https://kms.example.com/it%27s"; string(out) != want {
			t.Fatalf("eval gave %q, want %q", out, want)
		}
	})
	t.Run("env for PowerShell", func(t *testing.T) {
		r := h.Run("", "get", "--output", "env", "--shell", "powershell", "--instance-id", cmdtest.InstanceID)
		want := "$env:KP_ACCESS_TOKEN = 'Bearer " + access + "'\n$env:KP_INSTANCE_ID = '" + cmdtest.InstanceID + "'\n$env:KP_ENDPOINT = 'https://us-south.kms.cloud.ibm.com'\n"
		if r.Code != 0 || r.Stdout != want {
			t.Fatalf("got:\n%s", r)
		}
	})
}
