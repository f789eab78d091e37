package credential

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/endpoint"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/httpclient"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// fakeSession is the CLI session as the resolver sees it.
type fakeSession struct {
	iam, access, refresh string
	private              bool
	renewed              string
	renewErr             error
	renewCalls           int
	account              string
}

func (f *fakeSession) IAMEndpoint() string            { return f.iam }
func (f *fakeSession) IsPrivateEndpointEnabled() bool { return f.private }
func (f *fakeSession) IAMToken() string               { return f.access }
func (f *fakeSession) IAMRefreshToken() string        { return f.refresh }
func (f *fakeSession) CurrentAccount() models.Account { return models.Account{GUID: f.account} }
func (f *fakeSession) IsLoggedInAsCRI() bool          { return false }
func (f *fakeSession) CRIType() string                { return "" }
func (f *fakeSession) VPCCRITokenURL() string         { return "" }
func (f *fakeSession) RefreshIAMToken() (string, error) {
	f.renewCalls++
	if f.renewErr != nil {
		return "", f.renewErr
	}
	f.access = "Bearer " + f.renewed
	return f.access, nil
}

// notices records what the resolver tells the user.
type notices []string

func (n *notices) Notice(id string, _ map[string]any) { *n = append(*n, "notice "+id) }
func (n *notices) Warn(id string, _ map[string]any)   { *n = append(*n, "warn "+id) }
func (n *notices) Alert(id string, _ map[string]any)  { *n = append(*n, "alert "+id) }

// newResolver is a resolver for s (nil: no session) with the environment
// env, a cache in dir ("" for none) and stdin.
func newResolver(s *fakeSession, env map[string]string, dir, stdin string) (*Resolver, *notices) {
	n := &notices{}
	getenv := func(k string) string { return env[k] }
	r := &Resolver{
		Getenv:     getenv,
		Stdin:      strings.NewReader(stdin),
		HTTPClient: func(time.Duration) *http.Client { return &http.Client{Timeout: 5 * time.Second} },
		Timeout:    5 * time.Second,
		OpenCache: func() (Cache, error) {
			if dir == "" {
				return nil, errors.New("no cache")
			}
			c, err := cache.Open(dir)
			if err != nil {
				return nil, err
			}
			return c, nil
		},
		Now:     time.Now,
		Secrets: &failure.Secrets{},
		Notify:  n,
	}
	var es endpoint.Session
	if s != nil {
		r.Session, es = s, s
	}
	r.Endpoint = func() (string, error) { return endpoint.IAM(getenv, es) }
	return r, n
}

func TestSessionMinValidity(t *testing.T) {
	srv := iamtest.New()
	defer srv.Close()
	fresh := srv.AccessToken(iamtest.User, "password", time.Hour)
	tests := []struct {
		name        string
		ttl         time.Duration
		minValidity time.Duration
		refresh     string
		renewErr    error
		wantRenew   bool
		wantCause   string
	}{
		{"fresh token printed as is", time.Hour, 5 * time.Minute, "rt", nil, false, ""},
		{"inside min-validity is renewed", 4 * time.Minute, 5 * time.Minute, "rt", nil, true, ""},
		{"zero min-validity keeps a nearly expired token", 30 * time.Second, 0, "rt", nil, false, ""},
		{"expired without refresh token", -time.Minute, 5 * time.Minute, "", nil, false, "session_expired"},
		{"renewal refused by the SDK", -time.Minute, 5 * time.Minute, "rt", errors.New("boom"), true, "net_request_failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeSession{iam: srv.URL, access: "Bearer " + srv.AccessToken(iamtest.User, "password", tt.ttl),
				refresh: tt.refresh, renewed: fresh, renewErr: tt.renewErr}
			old := s.access
			r, _ := newResolver(s, nil, t.TempDir(), "")
			tok, err := r.Resolve(context.Background(), Source{MinValidity: tt.minValidity, CacheWait: time.Second})
			if (s.renewCalls > 0) != tt.wantRenew {
				t.Fatalf("renewed = %v, want %v", s.renewCalls > 0, tt.wantRenew)
			}
			if tt.wantCause != "" {
				if f, ok := failure.As(err); !ok || f.Cause != tt.wantCause {
					t.Fatalf("err = %v, want %s", err, tt.wantCause)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := old
			if tt.wantRenew {
				want = "Bearer " + fresh
			}
			if tok.Bearer() != want {
				t.Fatalf("token = %q", tok.Bearer())
			}
		})
	}
}

func TestAPIKeyPrecedence(t *testing.T) {
	srv := iamtest.New()
	defer srv.Close()
	const flagKey, envKey = "Flag_Key_000000000000000000000000000000000000", "Env_Key_0000000000000000000000000000000000000"
	srv.AddAPIKey(flagKey, iamtest.User)
	srv.AddAPIKey(envKey, iamtest.ServiceID)
	session := srv.AccessToken(iamtest.User, "password", time.Hour)
	tests := []struct {
		name    string
		src     Source
		env     map[string]string
		wantSub string // "session" or an IAM ID
	}{
		{"flag", Source{APIKey: flagKey, APIKeySet: true}, map[string]string{"IBMCLOUD_API_KEY": envKey}, iamtest.User.IAMID},
		{"environment", Source{}, map[string]string{"IBMCLOUD_API_KEY": envKey}, iamtest.ServiceID.IAMID},
		{"legacy BLUEMIX_API_KEY", Source{}, map[string]string{"BLUEMIX_API_KEY": envKey}, iamtest.ServiceID.IAMID},
		{"session", Source{}, nil, "session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := newResolver(&fakeSession{iam: srv.URL, access: "Bearer " + session}, tt.env, t.TempDir(), "")
			tt.src.MinValidity, tt.src.CacheWait, tt.src.NoCache = time.Minute, time.Second, true
			before := srv.Count()
			tok, err := r.Resolve(context.Background(), tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantSub == "session" {
				if tok.AccessToken != session || srv.Count() != before {
					t.Fatal("session token not used")
				}
				return
			}
			if srv.Count() != before+1 || tok.AccessToken == session {
				t.Fatal("API key not used")
			}
			if r.Secrets.Scrub(tok.AccessToken) == tok.AccessToken {
				t.Fatal("the new token is not known as a secret")
			}
		})
	}
}

// A fresh session token needs no network, so an unusable IAM endpoint only
// matters when the token must be renewed.
func TestSessionEndpointOnlyForRenewal(t *testing.T) {
	srv := iamtest.New()
	defer srv.Close()
	for _, tt := range []struct {
		name      string
		ttl       time.Duration
		wantCause string
	}{
		{"fresh token printed", time.Hour, ""},
		{"renewal refused, private never falls back", 2 * time.Minute, "endpoint_private_unknown"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeSession{private: true, access: "Bearer " + srv.AccessToken(iamtest.User, "password", tt.ttl), refresh: "rt"}
			r, _ := newResolver(s, nil, t.TempDir(), "")
			tok, err := r.Resolve(context.Background(), Source{MinValidity: 5 * time.Minute})
			if s.renewCalls != 0 {
				t.Fatal("the session was renewed through an endpoint that must not be used")
			}
			if tt.wantCause == "" {
				if err != nil || tok.Bearer() != s.access {
					t.Fatalf("err %v, token %q", err, tok.Bearer())
				}
				return
			}
			if f, ok := failure.As(err); !ok || f.Cause != tt.wantCause {
				t.Fatalf("err = %v, want %s", err, tt.wantCause)
			}
		})
	}
}

// newResolverClient is the resolver's client with kp-token's retries.
var newResolverClient = httpclient.New
