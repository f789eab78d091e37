package get_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestWorkloadSources(t *testing.T) {
	h := cmdtest.New(t)
	p := h.WithProfile()
	h.WithMetadata()
	crFile := "@" + h.Write("cr-token", cmdtest.CRToken+"\n")
	keyFile := "@" + h.Write("key", cmdtest.ServiceKey)
	for _, prof := range []struct{ name, value string }{{"ID", p.ID}, {"CRN", p.CRN()}, {"name", p.Name}} {
		t.Run("cr-token/"+prof.name, func(t *testing.T) {
			cmdtest.ProfileOf(t, h.Run("", "get", "--cr-token", crFile, "--profile", prof.value, "--output", "json", "--no-cache"))
		})
		t.Run("vpc/"+prof.name, func(t *testing.T) {
			cmdtest.ProfileOf(t, h.Run("", "get", "--vpc", "--profile", prof.value, "--output", "json", "--no-cache"))
		})
		t.Run("assume/"+prof.name, func(t *testing.T) {
			cmdtest.ProfileOf(t, h.RunEnv(map[string]string{}, "", "get", "--apikey", keyFile, "--profile", prof.value, "--account", iamtest.User.Account, "--output", "json", "--no-cache"))
		})
	}
	t.Run("cr-token on stdin", func(t *testing.T) {
		cmdtest.ProfileOf(t, h.Run(cmdtest.CRToken, "get", "--cr-token", "-", "--profile", p.ID, "--output", "json", "--no-cache"))
	})
	t.Run("IBMCLOUD_API_KEY assumes the profile", func(t *testing.T) {
		cmdtest.ProfileOf(t, h.RunEnv(map[string]string{"IBMCLOUD_API_KEY": cmdtest.ServiceKey}, "", "get", "--profile", p.ID, "--output", "json", "--no-cache"))
	})
	t.Run("grants sent to IAM", func(t *testing.T) {
		grants := map[string]bool{}
		for _, r := range h.IAM.Requests() {
			grants[r.Form["grant_type"]] = true
			if r.Form["grant_type"] == "urn:ibm:params:oauth:grant-type:cr-token" && r.Form["cr_token"] != cmdtest.CRToken {
				t.Fatalf("cr_token %q", r.Form["cr_token"])
			}
		}
		if !grants["urn:ibm:params:oauth:grant-type:cr-token"] || !grants["urn:ibm:params:oauth:grant-type:assume"] {
			t.Fatalf("grants: %v", grants)
		}
	})
	t.Run("cached per source and profile", func(t *testing.T) {
		before := h.IAM.Count()
		first := h.Run("", "get", "--cr-token", crFile, "--profile", p.ID, "-q")
		second := h.Run("", "get", "--cr-token", crFile, "--profile", p.ID, "-q")
		if first.Code != 0 || first.Stdout != second.Stdout || h.IAM.Count() != before+1 {
			t.Fatalf("not cached (IAM calls %d):\n%s\n%s", h.IAM.Count()-before, first, second)
		}
		if other := h.Run("", "get", "--cr-token", crFile, "--profile", p.Name, "-q"); other.Stdout == first.Stdout {
			t.Fatal("another profile form shared the entry")
		}
		_ = filepath.WalkDir(h.CacheDir(), func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(path)
				cmdtest.AssertNoSecrets(t, path, string(b), cmdtest.CRToken, cmdtest.ServiceKey)
			}
			return nil
		})
	})
	t.Run("works with exec and the other forms", func(t *testing.T) {
		r := h.Run("", "exec", "--cr-token", crFile, "--profile", p.ID, "--instance-id", cmdtest.InstanceID, "--kp-endpoint", "http://127.0.0.1:9", "--", "sh", "-c", `printf %s "$KP_ACCESS_TOKEN"`)
		if r.Code != 0 || !strings.HasPrefix(r.Stdout, "Bearer ") {
			t.Fatalf("exec:\n%s", r)
		}
	})
}

func TestWorkloadFailures(t *testing.T) {
	h := cmdtest.New(t)
	p := h.WithProfile()
	crFile := "@" + h.Write("cr-token", cmdtest.CRToken)
	tests := []struct {
		name          string
		env           map[string]string
		args          []string
		Code          int
		cause, remedy string
	}{
		{"--cr-token without --profile", nil, []string{"--cr-token", crFile}, 2, "The option --cr-token needs --profile", "Incorrect Usage"},
		{"--vpc without --profile", nil, []string{"--vpc"}, 2, "The option --vpc needs --profile", "Incorrect Usage"},
		{"--profile alone", nil, []string{"--profile", p.ID}, 2, "--profile needs a credential", "Incorrect Usage"},
		{"unknown profile", nil, []string{"--cr-token", crFile, "--profile", "Profile-00000000-0000-4000-8000-000000000000"}, 1,
			"IAM refused a token for the trusted profile Profile-00000000-0000-4000-8000-000000000000 (HTTP 400, error BXNIM0514E)", "ibmcloud iam trusted-profile-rule-create"},
		{"compute resource not trusted", nil, []string{"--cr-token", "@" + h.Write("other", "eyJ.another-pod.sig"), "--profile", p.ID}, 1,
			"error BXNIM0522E", "trusted-profile-rule-create"},
		{"identity may not assume", nil, []string{"--apikey", "@" + h.Write("userkey", cmdtest.UserKey), "--profile", p.ID}, 1,
			"(HTTP 403, error BXNIM0530E)", "may assume it"},
		{"a name without an account", nil, []string{"--apikey", "@" + h.Write("key", cmdtest.ServiceKey), "--profile", "kp-workload"}, 2,
			"is given by name, which needs its account", "Incorrect Usage"},
		{"metadata service unreachable", map[string]string{"IBMCLOUD_CR_VPC_URL": "http://127.0.0.1:1"}, []string{"--vpc", "--profile", p.ID}, 1,
			"cannot be reached: not running on a VPC instance?", "IBMCLOUD_CR_VPC_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.RunEnv(tt.env, "", append([]string{"get", "--no-cache"}, tt.args...)...)
			cmdtest.ExpectFailure(t, r, tt.Code, tt.cause, tt.remedy)
			cmdtest.AssertNoSecrets(t, "stderr", r.Stderr, cmdtest.CRToken, cmdtest.ServiceKey)
		})
	}
	t.Run("unlinked VPC instance", func(t *testing.T) {
		m := iamtest.NewMetadata(h.IAM, "0717_not-linked")
		defer m.Close()
		r := h.RunEnv(map[string]string{"IBMCLOUD_CR_VPC_URL": m.URL}, "", "get", "--vpc", "--profile", p.ID)
		cmdtest.ExpectFailure(t, r, 1, "refused a token for the trusted profile "+p.ID+" (HTTP 403, iam_profile_not_linked)", "ibmcloud iam trusted-profile-link-create")
	})
}
