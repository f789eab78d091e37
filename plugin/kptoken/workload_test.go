package kptoken_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

const (
	profileID  = "Profile-9b1c3e5a-7777-4d4d-8e8e-0123456789ab"
	crToken    = "eyJhbGciOiJSUzI1NiJ9.cr-token-of-a-pod.c2lnbmF0dXJlLW9mLXRoZS1jbHVzdGVy"
	vmInstance = "0717_7c1a7b62-aaaa-4bbb-8ccc-0123456789ab"
)

// withProfile registers a trusted profile that trusts crToken, is linked
// to vmInstance and may be assumed by the service ID.
func (h *host) withProfile() *iamtest.TrustedProfile {
	p := &iamtest.TrustedProfile{ID: profileID, Name: "kp-workload", Account: iamtest.User.Account,
		CRTokens: map[string]bool{crToken: true}, Instances: map[string]bool{vmInstance: true},
		Assumers: map[string]bool{iamtest.ServiceID.IAMID: true}}
	h.iam.AddProfile(p)
	return p
}

func (h *host) withMetadata() *iamtest.Metadata {
	m := iamtest.NewMetadata(h.iam, vmInstance)
	h.t.Cleanup(m.Close)
	h.env["IBMCLOUD_CR_VPC_URL"] = m.URL
	return m
}

func profileOf(t *testing.T, r result) map[string]any {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("get failed:\n%s", r)
	}
	m := jsonOf(t, r)
	if m["profile_id"] != profileID || m["profile_name"] != "kp-workload" {
		t.Fatalf("not a trusted-profile token: %v", m)
	}
	return m
}

func TestWorkloadSources(t *testing.T) {
	h := newHost(t)
	p := h.withProfile()
	h.withMetadata()
	crFile := "@" + h.write("cr-token", crToken+"\n")
	keyFile := "@" + h.write("key", serviceKey)
	for _, prof := range []struct{ name, value string }{{"ID", p.ID}, {"CRN", p.CRN()}, {"name", p.Name}} {
		t.Run("cr-token/"+prof.name, func(t *testing.T) {
			profileOf(t, h.run("", "get", "--cr-token", crFile, "--profile", prof.value, "--output", "json", "--no-cache"))
		})
		t.Run("vpc/"+prof.name, func(t *testing.T) {
			profileOf(t, h.run("", "get", "--vpc", "--profile", prof.value, "--output", "json", "--no-cache"))
		})
		t.Run("assume/"+prof.name, func(t *testing.T) {
			profileOf(t, h.runEnv(map[string]string{}, "", "get", "--apikey", keyFile, "--profile", prof.value, "--account", iamtest.User.Account, "--output", "json", "--no-cache"))
		})
	}
	t.Run("cr-token on stdin", func(t *testing.T) {
		profileOf(t, h.run(crToken, "get", "--cr-token", "-", "--profile", p.ID, "--output", "json", "--no-cache"))
	})
	t.Run("IBMCLOUD_API_KEY assumes the profile", func(t *testing.T) {
		profileOf(t, h.runEnv(map[string]string{"IBMCLOUD_API_KEY": serviceKey}, "", "get", "--profile", p.ID, "--output", "json", "--no-cache"))
	})
	t.Run("grants sent to IAM", func(t *testing.T) {
		grants := map[string]bool{}
		for _, r := range h.iam.Requests() {
			grants[r.Form["grant_type"]] = true
			if r.Form["grant_type"] == "urn:ibm:params:oauth:grant-type:cr-token" && r.Form["cr_token"] != crToken {
				t.Fatalf("cr_token %q", r.Form["cr_token"])
			}
		}
		if !grants["urn:ibm:params:oauth:grant-type:cr-token"] || !grants["urn:ibm:params:oauth:grant-type:assume"] {
			t.Fatalf("grants: %v", grants)
		}
	})
	t.Run("cached per source and profile", func(t *testing.T) {
		before := h.iam.Count()
		first := h.run("", "get", "--cr-token", crFile, "--profile", p.ID, "-q")
		second := h.run("", "get", "--cr-token", crFile, "--profile", p.ID, "-q")
		if first.code != 0 || first.stdout != second.stdout || h.iam.Count() != before+1 {
			t.Fatalf("not cached (IAM calls %d):\n%s\n%s", h.iam.Count()-before, first, second)
		}
		if other := h.run("", "get", "--cr-token", crFile, "--profile", p.Name, "-q"); other.stdout == first.stdout {
			t.Fatal("another profile form shared the entry")
		}
		_ = filepath.WalkDir(h.cacheDir(), func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(path)
				assertNoSecrets(t, path, string(b), crToken, serviceKey)
			}
			return nil
		})
	})
	t.Run("works with exec and the other forms", func(t *testing.T) {
		r := h.run("", "exec", "--cr-token", crFile, "--profile", p.ID, "--instance-id", instanceID, "--kp-endpoint", "http://127.0.0.1:9", "--", "sh", "-c", `printf %s "$KP_ACCESS_TOKEN"`)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "Bearer ") {
			t.Fatalf("exec:\n%s", r)
		}
	})
}

func TestWorkloadFailures(t *testing.T) {
	h := newHost(t)
	p := h.withProfile()
	crFile := "@" + h.write("cr-token", crToken)
	tests := []struct {
		name          string
		env           map[string]string
		args          []string
		code          int
		cause, remedy string
	}{
		{"--cr-token without --profile", nil, []string{"--cr-token", crFile}, 2, "The option --cr-token needs --profile", "Incorrect Usage"},
		{"--vpc without --profile", nil, []string{"--vpc"}, 2, "The option --vpc needs --profile", "Incorrect Usage"},
		{"--profile alone", nil, []string{"--profile", p.ID}, 2, "--profile needs a credential", "Incorrect Usage"},
		{"unknown profile", nil, []string{"--cr-token", crFile, "--profile", "Profile-00000000-0000-4000-8000-000000000000"}, 1,
			"IAM refused a token for the trusted profile Profile-00000000-0000-4000-8000-000000000000 (HTTP 400, error BXNIM0514E)", "ibmcloud iam trusted-profile-rule-create"},
		{"compute resource not trusted", nil, []string{"--cr-token", "@" + h.write("other", "eyJ.another-pod.sig"), "--profile", p.ID}, 1,
			"error BXNIM0522E", "trusted-profile-rule-create"},
		{"identity may not assume", nil, []string{"--apikey", "@" + h.write("userkey", userKey), "--profile", p.ID}, 1,
			"(HTTP 403, error BXNIM0530E)", "may assume it"},
		{"a name without an account", nil, []string{"--apikey", "@" + h.write("key", serviceKey), "--profile", "kp-workload"}, 2,
			"is given by name, which needs its account", "Incorrect Usage"},
		{"metadata service unreachable", map[string]string{"IBMCLOUD_CR_VPC_URL": "http://127.0.0.1:1"}, []string{"--vpc", "--profile", p.ID}, 1,
			"cannot be reached: not running on a VPC instance?", "IBMCLOUD_CR_VPC_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.runEnv(tt.env, "", append([]string{"get", "--no-cache"}, tt.args...)...)
			expectFailure(t, r, tt.code, tt.cause, tt.remedy)
			assertNoSecrets(t, "stderr", r.stderr, crToken, serviceKey)
		})
	}
	t.Run("unlinked VPC instance", func(t *testing.T) {
		m := iamtest.NewMetadata(h.iam, "0717_not-linked")
		defer m.Close()
		r := h.runEnv(map[string]string{"IBMCLOUD_CR_VPC_URL": m.URL}, "", "get", "--vpc", "--profile", p.ID)
		expectFailure(t, r, 1, "refused a token for the trusted profile "+p.ID+" (HTTP 403, iam_profile_not_linked)", "ibmcloud iam trusted-profile-link-create")
	})
}

func TestCRTokenNeverLeaks(t *testing.T) {
	h := newHost(t)
	p := h.withProfile()
	h.iam.Script(iamtest.Reply{Status: 400, ContentType: "application/json",
		Body: `{"errorCode":"BXNIM0522E","errorMessage":"token ` + crToken + ` is not trusted"}`})
	var all strings.Builder
	for _, args := range [][]string{
		{"get", "--cr-token", "@" + h.write("cr", crToken), "--profile", p.ID},
		{"get", "--cr-token", "@" + h.write("cr", crToken), "--profile", p.ID, "--output", "json"},
		{"get", "--cr-token", crToken, "--profile", p.ID, "-q"},
	} {
		r := h.runEnv(map[string]string{"IBMCLOUD_TRACE": "true"}, "", args...)
		all.WriteString(r.stderr)
		if !strings.Contains(r.stdout, "cr_token") {
			all.WriteString(r.stdout)
		}
	}
	if !strings.Contains(all.String(), "REQUEST:") {
		t.Fatalf("no trace:\n%s", all.String())
	}
	assertNoSecrets(t, "output and trace", all.String(), crToken)
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), ".kp-token-cr-*")); len(left) != 0 {
		t.Fatalf("copies of the CR token were left: %v", left)
	}
}

func TestComputeResourceSessionRenews(t *testing.T) {
	for _, version := range []string{"VPC", "PVS"} {
		t.Run(version, func(t *testing.T) {
			h := newHost(t)
			p := h.withProfile()
			m := h.withMetadata()
			h.env["IBMCLOUD_CR_PVS_URL"] = m.URL
			old := h.iam.AccessToken(iamtest.Identity{IAMID: "iam-" + p.ID, Name: p.Name, SubType: "Profile", Account: p.Account},
				"urn:ibm:params:oauth:grant-type:cr-token", 2*time.Minute)
			h.login(iamtest.Session{AccessToken: old, Region: "us-south", Account: p.Account, CRIType: version,
				Profile: models.Profile{ID: p.ID, Name: p.Name}})
			r := h.run("", "get", "--output", "json")
			m2 := profileOf(t, r)
			if m2["access_token"] == old {
				t.Fatal("the session token was not renewed")
			}
			if s := h.session(); s.IAMToken() != "Bearer "+m2["access_token"].(string) || !s.IsLoggedInAsCRI() || s.CRIType() != version {
				t.Fatal("the renewed compute-resource session was not written back")
			}
			paths := strings.Join(m.Requests(), "\n")
			if !strings.Contains(paths, "PUT /identity/v1/token?") || !strings.Contains(paths, "POST /identity/v1/iam_tokens?") {
				t.Fatalf("metadata service saw:\n%s", paths)
			}
			if r := h.run("", "inspect"); r.code != 0 || !strings.Contains(r.stdout, p.ID+" (kp-workload)") {
				t.Fatalf("inspect does not show the profile:\n%s", r)
			}
		})
	}
	t.Run("an IKS session says why it cannot be renewed", func(t *testing.T) {
		h := newHost(t)
		old := h.iam.AccessToken(iamtest.User, "x", 2*time.Minute)
		h.login(iamtest.Session{AccessToken: old, Region: "us-south", CRIType: "IKS", Profile: models.Profile{ID: profileID}})
		expectFailure(t, h.run("", "get"), 1, "logged in as a compute resource of type IKS", "--cr-token @FILE --profile ID")
	})
	t.Run("a session with minutes left is not called expired", func(t *testing.T) {
		h := newHost(t)
		h.loginUser(2*time.Minute, func(s *iamtest.Session) { s.RefreshToken = "" })
		expectFailure(t, h.run("", "get"), 1, "and cannot be renewed: the session has no refresh token", "ibmcloud login")
	})
}

func TestCacheDeleteOfAWorkloadSource(t *testing.T) {
	h := newHost(t)
	p := h.withProfile()
	crFile := "@" + h.write("cr-token", crToken)
	if r := h.run("", "get", "--cr-token", crFile, "--profile", p.ID, "-q"); r.code != 0 {
		t.Fatalf("get:\n%s", r)
	}
	before := h.iam.Count()
	r := h.run("", "cache-delete", "--cr-token", crFile, "--profile", p.ID)
	if r.code != 0 || !strings.Contains(r.stdout, "1 cached token deleted.") {
		t.Fatalf("cache-delete:\n%s", r)
	}
	if r := h.run("", "get", "--cr-token", crFile, "--profile", p.ID, "-q"); r.code != 0 || h.iam.Count() != before+1 {
		t.Fatalf("the entry was not deleted (IAM calls %d):\n%s", h.iam.Count()-before, r)
	}
}
