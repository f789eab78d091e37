package kptoken_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestCRTokenNeverLeaks(t *testing.T) {
	h := newHost(t)
	p := h.WithProfile()
	h.IAM.Script(iamtest.Reply{Status: 400, ContentType: "application/json",
		Body: `{"errorCode":"BXNIM0522E","errorMessage":"token ` + cmdtest.CRToken + ` is not trusted"}`})
	var all strings.Builder
	for _, args := range [][]string{
		{"get", "--cr-token", "@" + h.Write("cr", cmdtest.CRToken), "--profile", p.ID},
		{"get", "--cr-token", "@" + h.Write("cr", cmdtest.CRToken), "--profile", p.ID, "--output", "json"},
		{"get", "--cr-token", cmdtest.CRToken, "--profile", p.ID, "-q"},
	} {
		r := h.RunEnv(map[string]string{"IBMCLOUD_TRACE": "true"}, "", args...)
		all.WriteString(r.Stderr)
		if !strings.Contains(r.Stdout, "cr_token") {
			all.WriteString(r.Stdout)
		}
	}
	if !strings.Contains(all.String(), "REQUEST:") {
		t.Fatalf("no trace:\n%s", all.String())
	}
	cmdtest.AssertNoSecrets(t, "output and trace", all.String(), cmdtest.CRToken)
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), ".kp-token-cr-*")); len(left) != 0 {
		t.Fatalf("copies of the CR token were left: %v", left)
	}
}

func TestComputeResourceSessionRenews(t *testing.T) {
	for _, version := range []string{"VPC", "PVS"} {
		t.Run(version, func(t *testing.T) {
			h := newHost(t)
			p := h.WithProfile()
			m := h.WithMetadata()
			h.Env["IBMCLOUD_CR_PVS_URL"] = m.URL
			old := h.IAM.AccessToken(iamtest.Identity{IAMID: "iam-" + p.ID, Name: p.Name, SubType: "Profile", Account: p.Account},
				"urn:ibm:params:oauth:grant-type:cr-token", 2*time.Minute)
			h.Login(iamtest.Session{AccessToken: old, Region: "us-south", Account: p.Account, CRIType: version,
				Profile: models.Profile{ID: p.ID, Name: p.Name}})
			r := h.Run("", "get", "--output", "json")
			m2 := cmdtest.ProfileOf(t, r)
			if m2["access_token"] == old {
				t.Fatal("the session token was not renewed")
			}
			if s := h.Session(); s.IAMToken() != "Bearer "+m2["access_token"].(string) || !s.IsLoggedInAsCRI() || s.CRIType() != version {
				t.Fatal("the renewed compute-resource session was not written back")
			}
			paths := strings.Join(m.Requests(), "\n")
			if !strings.Contains(paths, "PUT /identity/v1/token?") || !strings.Contains(paths, "POST /identity/v1/iam_tokens?") {
				t.Fatalf("metadata service saw:\n%s", paths)
			}
			if r := h.Run("", "inspect"); r.Code != 0 || !strings.Contains(r.Stderr, p.ID+" (kp-workload)") {
				t.Fatalf("inspect does not show the profile:\n%s", r)
			}
		})
	}
	t.Run("an IKS session says why it cannot be renewed", func(t *testing.T) {
		h := newHost(t)
		old := h.IAM.AccessToken(iamtest.User, "x", 2*time.Minute)
		h.Login(iamtest.Session{AccessToken: old, Region: "us-south", CRIType: "IKS", Profile: models.Profile{ID: cmdtest.ProfileID}})
		cmdtest.ExpectFailure(t, h.Run("", "get"), 1, "logged in as a compute resource of type IKS", "--cr-token @FILE --profile ID")
	})
	t.Run("a session with minutes left is not called expired", func(t *testing.T) {
		h := newHost(t)
		h.LoginUser(2*time.Minute, func(s *iamtest.Session) { s.RefreshToken = "" })
		cmdtest.ExpectFailure(t, h.Run("", "get"), 1, "and cannot be renewed: the session has no refresh token", "ibmcloud login")
	})
}
