package token

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestValidAccessToken(t *testing.T) {
	tests := map[string]bool{
		"eyJh.eyJw.c2ln":                  true,
		"aA0-_.b.c":                       true,
		"a.b":                             false,
		"a.b.c.d":                         false,
		"a..c":                            false,
		"a.b.":                            false,
		".b.c":                            false,
		"":                                false,
		"a.b.c=":                          false, // padding is not JWT
		"a.b.c'":                          false,
		"a.b.c\u2019;calc;\u2019":         false,
		"a.b.c\n":                         false,
		"a.b.c d":                         false,
		"Bearer a.b.c":                    false,
		"a.b+/.c":                         false, // base64, not base64url
		"\u0430.b.c":                      false, // Cyrillic a
		strings.Repeat("x", 100) + ".y.z": true,
	}
	for s, want := range tests {
		if got := ValidAccessToken(s); got != want {
			t.Errorf("ValidAccessToken(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParseFileHoldsTokensToIAMShape(t *testing.T) {
	good := jwt(`{"id":"x","exp":1900000000}`)
	tests := []struct {
		name, file, wantType string
		ok                   bool
	}{
		{"Bearer", `{"access_token":"` + good + `","token_type":"Bearer"}`, "Bearer", true},
		{"lower case is normalized", `{"access_token":"` + good + `","token_type":"bearer"}`, "Bearer", true},
		{"no type is Bearer", `{"access_token":"` + good + `"}`, "Bearer", true},
		{"PowerShell quotes in the type", `{"access_token":"` + good + `","token_type":"Bearer\u2019;calc;\u2019"}`, "", false},
		{"another type", `{"access_token":"` + good + `","token_type":"MAC"}`, "", false},
		{"a quote in the token", `{"access_token":"` + good + `'","token_type":"Bearer"}`, "", false},
		{"a newline in the token", `{"access_token":"` + good + `\nexport X=1","token_type":"Bearer"}`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := ParseFile([]byte(tt.file), "token.json")
			if !tt.ok {
				if f, ok := failure.As(err); !ok || f.Cause != "tokenfile_token_invalid" || f.CauseData["Path"] != "token.json" {
					t.Fatalf("ParseFile = %+v, %v; want tokenfile_token_invalid naming the file", tok, err)
				}
				return
			}
			if err != nil || tok.TokenType != tt.wantType {
				t.Fatalf("ParseFile = %+v, %v", tok, err)
			}
		})
	}
}

// TestIAMRepliesOutsideIAMShapeAreRefused: a token_type other than Bearer
// or an access token outside the JWT alphabet is a failure that names IAM,
// for every grant, never a token.
func TestIAMRepliesOutsideIAMShapeAreRefused(t *testing.T) {
	srv := iamtest.New()
	defer srv.Close()
	const key = "Zk3_Ab9cD8eF7gH6iJ5kL4mN3oP2qR1sT0uV9wX8yZ7a"
	srv.AddAPIKey(key, iamtest.ServiceID)
	const cr = "a-compute-resource-token"
	srv.AddProfile(&iamtest.TrustedProfile{ID: "Profile-1", Name: "p", Account: iamtest.ServiceID.Account,
		CRTokens: map[string]bool{cr: true}, Assumers: map[string]bool{iamtest.ServiceID.IAMID: true}})
	iam := &IAM{URL: srv.URL, Client: &http.Client{Timeout: 10 * time.Second}, Timeout: 10 * time.Second}
	grants := map[string]struct {
		grantType string
		get       func() (Token, error)
	}{
		"apikey":   {"urn:ibm:params:oauth:grant-type:apikey", func() (Token, error) { return iam.FromAPIKey(key, "") }},
		"refresh":  {"refresh_token", func() (Token, error) { return iam.FromRefreshToken(srv.IssueRefreshToken(iamtest.ServiceID)) }},
		"cr-token": {"urn:ibm:params:oauth:grant-type:cr-token", func() (Token, error) { return iam.FromCRToken(cr, Profile{ID: "Profile-1"}) }},
		// The assume grant's own API-key exchange stays clean: the fault
		// is in the profile's token.
		"assume": {"urn:ibm:params:oauth:grant-type:assume", func() (Token, error) { return iam.FromAssume(key, Profile{ID: "Profile-1"}, "") }},
	}
	faults := []struct {
		name  string
		fault iamtest.Fault
		cause string
	}{
		{"PowerShell quotes in token_type", iamtest.Fault{TokenType: "Bearer\u2019;calc;\u2019"}, "iam_token_type_invalid"},
		{"another token_type", iamtest.Fault{TokenType: "MAC"}, "iam_token_type_invalid"},
		{"a quote in the token", iamtest.Fault{Mangle: func(s string) string { return s + "\u2019;calc;\u2019" }}, "iam_token_malformed"},
		{"a newline in the token", iamtest.Fault{Mangle: func(s string) string { return s + "\nexport X=1" }}, "iam_token_malformed"},
	}
	for grant, g := range grants {
		t.Run(grant+"/lower-case bearer is normalized", func(t *testing.T) {
			srv.SetFault(iamtest.Fault{TokenType: "bearer", Grant: g.grantType})
			defer srv.SetFault(iamtest.Fault{})
			tok, err := g.get()
			if err != nil || tok.TokenType != "Bearer" || !srv.Verify(tok.AccessToken) {
				t.Fatalf("got %+v, %v", tok, err)
			}
		})
		for _, ft := range faults {
			t.Run(grant+"/"+ft.name, func(t *testing.T) {
				fault := ft.fault
				fault.Grant = g.grantType
				srv.SetFault(fault)
				defer srv.SetFault(iamtest.Fault{})
				tok, err := g.get()
				f, ok := failure.As(err)
				if !ok || f.Cause != ft.cause || f.CauseData["URL"] != srv.URL || tok != (Token{}) {
					t.Fatalf("got %+v, %v; want %s naming %s", tok, err, ft.cause, srv.URL)
				}
			})
		}
	}
}

// TestSplitAuthorization: a session token the SDK stored after a renewal
// ("token_type access_token") is held to IAM's shape before kp-token uses
// it or writes it back to the CLI's configuration.
func TestSplitAuthorization(t *testing.T) {
	good := jwt(`{"id":"x","exp":1900000000}`)
	tests := []struct {
		in      string
		badType bool
		ok      bool
	}{
		{"Bearer " + good, false, true},
		{"bearer " + good, false, true},
		{good, false, true},
		{"Bearer\u2019;calc;\u2019 " + good, true, false},
		{"MAC " + good, true, false},
		{"Bearer " + good + "\u2019;calc;\u2019", false, false},
		{"Bearer " + good + " extra", false, false},
		{"Bearer ", false, false},
	}
	for _, tt := range tests {
		access, err := splitAuthorization(tt.in)
		if tt.ok {
			if err != nil || access != good {
				t.Errorf("splitAuthorization(%q) = %q, %v", tt.in, access, err)
			}
			continue
		}
		var e *shapeError
		if !errors.As(err, &e) || e.badType != tt.badType {
			t.Errorf("splitAuthorization(%q) = %v, want a shape error (bad type %v)", tt.in, err, tt.badType)
		}
	}
}

// TestIAMReplyClaims: a token IAM sends is read for its scope, and its exp
// claim is held to what the cache checks on every read: a token the cache
// would take for damaged is refused as an unexpected reply when it
// arrives, not stored to be asked for again on every run.
func TestIAMReplyClaims(t *testing.T) {
	srv := iamtest.New()
	defer srv.Close()
	const key = "Zk3_Ab9cD8eF7gH6iJ5kL4mN3oP2qR1sT0uV9wX8yZ7a"
	srv.AddAPIKey(key, iamtest.ServiceID)
	iam := &IAM{URL: srv.URL, Client: &http.Client{Timeout: 10 * time.Second}, Timeout: 10 * time.Second}
	for _, tt := range []struct {
		name   string
		claims string // "" keeps the server's token
		scope  string // "" when refused
	}{
		{"the server's token", "", "ibm openid"},
		{"no scope", `{"exp":1900000000}`, "-"},
		{"scope other than a string", `{"exp":1900000000,"scope":["ibm"]}`, ""},
		{"payload not JSON", `not JSON`, ""},
		{"no exp", `{"scope":"ibm openid"}`, ""},
		{"exp a string", `{"exp":"1900000000","scope":"ibm openid"}`, ""},
		{"exp past year 9999", `{"exp":253402300800,"scope":"ibm openid"}`, ""},
		{"exp and EXP", `{"exp":1900000000,"EXP":1,"scope":"ibm openid"}`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.claims != "" {
				srv.SetFault(iamtest.Fault{Mangle: func(string) string { return jwt(tt.claims) }})
				defer srv.SetFault(iamtest.Fault{})
			}
			tok, err := iam.FromAPIKey(key, "")
			switch tt.scope {
			case "":
				f, ok := failure.As(err)
				if !ok || f.Cause != "iam_unexpected_reply" || tok != (Token{}) {
					t.Fatalf("got %+v, %v; want iam_unexpected_reply", tok, err)
				}
			case "-":
				if err != nil || tok.Scope != "" {
					t.Fatalf("got %+v, %v; want a token with no scope", tok, err)
				}
			default:
				if err != nil || tok.Scope != tt.scope || tok.Expiration <= 0 {
					t.Fatalf("got %+v, %v; want scope %q", tok, err, tt.scope)
				}
				if exp, err := ExpiryClaim(tok.AccessToken); err != nil || exp != tok.Expiration {
					t.Fatalf("exp claim %d, %v; the reply's expiration %d", exp, err, tok.Expiration)
				}
			}
		})
	}
}
