package cmd

import (
	"bytes"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// fakeContext is the CLI session as the commands see it.
type fakeContext struct {
	iam, access, refresh string
	private              bool
	dir                  string
	renewed              string
	renewErr             error
	renewCalls           int
	region               string
}

func (f *fakeContext) IAMEndpoint() string            { return f.iam }
func (f *fakeContext) IsPrivateEndpointEnabled() bool { return f.private }
func (f *fakeContext) IAMToken() string               { return f.access }
func (f *fakeContext) IAMRefreshToken() string        { return f.refresh }
func (f *fakeContext) HTTPTimeout() int               { return 5 }
func (f *fakeContext) PluginDirectory() string        { return f.dir }
func (f *fakeContext) CurrentRegion() models.Region   { return models.Region{Name: f.region} }
func (f *fakeContext) CurrentAccount() models.Account { return models.Account{} }
func (f *fakeContext) IsLoggedInAsCRI() bool          { return false }
func (f *fakeContext) CRIType() string                { return "" }
func (f *fakeContext) VPCCRITokenURL() string         { return "" }
func (f *fakeContext) CurrentResourceGroup() models.ResourceGroup {
	return models.ResourceGroup{}
}
func (f *fakeContext) RefreshIAMToken() (string, error) {
	f.renewCalls++
	if f.renewErr != nil {
		return "", f.renewErr
	}
	f.access = "Bearer " + f.renewed
	return f.access, nil
}

func newDeps(t *testing.T, ctx Context, env map[string]string, stdin string) (*Deps, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Deps{
		IO:         IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errb},
		T:          i18n.New("en_US"),
		Context:    ctx,
		Getenv:     func(k string) string { return env[k] },
		Now:        time.Now,
		HTTPClient: func(time.Duration) *http.Client { return &http.Client{Timeout: 5 * time.Second} },
		Secrets:    &failure.Secrets{},
	}, &out, &errb
}

func TestRunGetSessionMinValidity(t *testing.T) {
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
			ctx := &fakeContext{iam: srv.URL, access: "Bearer " + srv.AccessToken(iamtest.User, "password", tt.ttl),
				refresh: tt.refresh, renewed: fresh, renewErr: tt.renewErr, dir: t.TempDir()}
			old := ctx.access
			d, out, _ := newDeps(t, ctx, nil, "")
			err := RunGet(d, &GetOptions{sourceOptions: sourceOptions{MinValidity: tt.minValidity, CacheWait: time.Second}, outputOptions: outputOptions{Quiet: true}})
			if (ctx.renewCalls > 0) != tt.wantRenew {
				t.Fatalf("renewed = %v, want %v", ctx.renewCalls > 0, tt.wantRenew)
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
			if out.String() != want+"\n" {
				t.Fatalf("stdout = %q", out.String())
			}
		})
	}
}

func TestRunGetAPIKeyPrecedence(t *testing.T) {
	srv := iamtest.New()
	defer srv.Close()
	srv.AddAPIKey("Flag_Key_000000000000000000000000000000000000", iamtest.User)
	srv.AddAPIKey("Env_Key_0000000000000000000000000000000000000", iamtest.ServiceID)
	session := srv.AccessToken(iamtest.User, "password", time.Hour)
	tests := []struct {
		name    string
		opts    GetOptions
		env     map[string]string
		wantSub string // "session" or an IAM ID
	}{
		{"flag", GetOptions{sourceOptions: sourceOptions{APIKey: "Flag_Key_000000000000000000000000000000000000", APIKeySet: true}}, map[string]string{"IBMCLOUD_API_KEY": "Env_Key_0000000000000000000000000000000000000"}, iamtest.User.IAMID},
		{"environment", GetOptions{}, map[string]string{"IBMCLOUD_API_KEY": "Env_Key_0000000000000000000000000000000000000"}, iamtest.ServiceID.IAMID},
		{"legacy BLUEMIX_API_KEY", GetOptions{}, map[string]string{"BLUEMIX_API_KEY": "Env_Key_0000000000000000000000000000000000000"}, iamtest.ServiceID.IAMID},
		{"session", GetOptions{}, nil, "session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := &fakeContext{iam: srv.URL, access: "Bearer " + session, dir: t.TempDir()}
			d, out, _ := newDeps(t, ctx, tt.env, "")
			tt.opts.MinValidity, tt.opts.CacheWait, tt.opts.NoCache, tt.opts.Output = time.Minute, time.Second, true, "json"
			before := srv.Count()
			if err := RunGet(d, &tt.opts); err != nil {
				t.Fatal(err)
			}
			if tt.wantSub == "session" {
				if !strings.Contains(out.String(), session) || srv.Count() != before {
					t.Fatal("session token not used")
				}
				return
			}
			if srv.Count() != before+1 || strings.Contains(out.String(), session) {
				t.Fatal("API key not used")
			}
		})
	}
}

func TestRunInspectSourcesConflict(t *testing.T) {
	d, _, _ := newDeps(t, &fakeContext{}, nil, "")
	err := RunInspect(d, &InspectOptions{Token: "a.b.c", File: filepath.Join(t.TempDir(), "t.json")})
	if f, ok := failure.As(err); !ok || f.Cause != "inspect_two_sources" || f.ExitCode != failure.ExitUsage {
		t.Fatalf("err = %v", err)
	}
}

// A fresh session token needs no network, so an unusable IAM endpoint only
// matters when the token must be renewed.
func TestRunGetSessionEndpointOnlyForRenewal(t *testing.T) {
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
			ctx := &fakeContext{private: true, access: "Bearer " + srv.AccessToken(iamtest.User, "password", tt.ttl), refresh: "rt", dir: t.TempDir()}
			d, out, _ := newDeps(t, ctx, nil, "")
			err := RunGet(d, &GetOptions{sourceOptions: sourceOptions{MinValidity: 5 * time.Minute}, outputOptions: outputOptions{Quiet: true}})
			if ctx.renewCalls != 0 {
				t.Fatal("the session was renewed through an endpoint that must not be used")
			}
			if tt.wantCause == "" {
				if err != nil || out.String() != ctx.access+"\n" {
					t.Fatalf("err %v, stdout %q", err, out.String())
				}
				return
			}
			if f, ok := failure.As(err); !ok || f.Cause != tt.wantCause {
				t.Fatalf("err = %v, want %s", err, tt.wantCause)
			}
		})
	}
}
