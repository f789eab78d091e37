package kptoken_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// connections is an HTTP proxy that answers nothing but counts what comes:
// with HTTP_PROXY and HTTPS_PROXY pointing at it, every connection kp-token
// tries to a host that is not loopback shows here, and none leaves the
// machine.
func connections(t *testing.T) (env map[string]string, count func() int32) {
	var n atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusForbidden) // not retried
	}))
	t.Cleanup(proxy.Close)
	return map[string]string{"HTTP_PROXY": proxy.URL, "HTTPS_PROXY": proxy.URL}, n.Load
}

func TestVPCMetadataURLFollowsTheEndpointRules(t *testing.T) {
	h := newHost(t)
	p := h.WithProfile()
	tests := []struct {
		url   string
		cause string // empty: accepted, and the proxy sees the connection
		shown string // the URL in the message, when not url
	}{
		{"http://evil.example", "uses plain HTTP, which is only accepted for this machine's own addresses and the metadata service's own", ""},
		{"http://169.254.169.254.evil.example", "uses plain HTTP", ""},
		{"http://10.0.0.1", "uses plain HTTP", ""},
		{"ftp://169.254.169.254", "is not a valid URL", ""},
		{"http://user:secret@169.254.169.254", "is not a valid URL", "http://user:xxxxx@169.254.169.254"},
		{"http://169.254.169.254", "", ""},
		{"http://api.metadata.cloud.ibm.com", "", ""},
		{"https://metadata.example", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			env, count := connections(t)
			env["IBMCLOUD_CR_VPC_URL"] = tt.url
			r := h.RunEnv(env, "", "get", "--vpc", "--profile", p.ID, "--no-cache")
			if tt.cause == "" {
				if count() == 0 {
					t.Fatalf("the metadata service at %s was not asked:\n%s", tt.url, r)
				}
				return
			}
			shown := tt.url
			if tt.shown != "" {
				shown = tt.shown
			}
			cmdtest.ExpectFailure(t, r, 1, "The VPC instance metadata service address "+shown+" (from IBMCLOUD_CR_VPC_URL) "+tt.cause,
				"Use an https:// URL, or unset IBMCLOUD_CR_VPC_URL to use the default address.")
			if count() != 0 {
				t.Fatalf("%d connections were made", count())
			}
			cmdtest.AssertNoSecrets(t, "stderr", r.Stderr, "secret")
		})
	}
	t.Run("renewing a 'login --vpc-cri' session", func(t *testing.T) {
		env, count := connections(t)
		env["IBMCLOUD_CR_VPC_URL"] = "http://evil.example"
		old := h.IAM.AccessToken(iamtest.Identity{IAMID: "iam-" + p.ID, Name: p.Name, SubType: "Profile", Account: p.Account},
			"urn:ibm:params:oauth:grant-type:cr-token", 2*time.Minute)
		h.Login(iamtest.Session{AccessToken: old, Region: "us-south", Account: p.Account, CRIType: "VPC",
			Profile: models.Profile{ID: p.ID, Name: p.Name}})
		r := h.RunEnv(env, "", "get")
		cmdtest.ExpectFailure(t, r, 1, "address http://evil.example (from IBMCLOUD_CR_VPC_URL) uses plain HTTP", "unset IBMCLOUD_CR_VPC_URL")
		if count() != 0 {
			t.Fatalf("%d connections were made", count())
		}
		if s := h.Session(); strings.TrimPrefix(s.IAMToken(), "Bearer ") != old {
			t.Fatal("the session changed")
		}
	})
	t.Run("in French", func(t *testing.T) {
		env, _ := connections(t)
		env["IBMCLOUD_CR_VPC_URL"] = "http://evil.example"
		env["LANG"] = "fr_FR.UTF-8"
		h.Login(iamtest.Session{})
		r := h.RunEnv(env, "", "get", "--vpc", "--profile", p.ID)
		if r.Code != 1 || !strings.Contains(r.Stderr, "L'adresse du service de métadonnées de l'instance VPC http://evil.example (source\u00a0: IBMCLOUD_CR_VPC_URL) utilise HTTP sans chiffrement") {
			t.Fatalf("got:\n%s", r)
		}
	})
}
