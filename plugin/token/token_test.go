package token

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
)

func jwt(claims string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"RS256"}`)) + "." + enc.EncodeToString([]byte(claims)) + ".c2ln"
}

func TestDecode(t *testing.T) {
	good := jwt(`{"id":"iam-ServiceId-1","iam_id":"iam-ServiceId-1","sub_type":"ServiceId","exp":1900000000,"iat":1899996400,"scope":"ibm openid","client_id":"bx","account":{"bss":"acc"}}`)
	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{"valid", good, true},
		{"with Bearer prefix", "Bearer " + good, true},
		{"with bearer prefix and spaces", "  bearer " + good + "\n", true},
		{"two parts", "abc.def", false},
		{"four parts", good + ".x", false},
		{"bad base64", "a.%%%.c", false},
		{"not JSON", "a." + base64.RawURLEncoding.EncodeToString([]byte("hello")) + ".c", false},
		{"JSON array", jwt(`[1,2]`), false},
		{"no exp", jwt(`{"id":"x"}`), false},
		{"string exp", jwt(`{"id":"x","exp":"soon"}`), false},
		{"empty", "", false},
		{"quote in the signature", good + "\u2019;calc;\u2019", false},
		{"newline in the header", "eyJ\nx" + good[3:], false},
		{"empty segment", ".." + good, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Decode(tt.token)
			if tt.ok != (err == nil) {
				t.Fatalf("Decode err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil {
				if f, ok := failure.As(err); !ok || f.Cause != "token_malformed" {
					t.Fatalf("err = %v, want token_malformed", err)
				}
				return
			}
			if c.Info.Expiry.Unix() != 1900000000 || c.ClientID() != "bx" || c.Info.SubjectType != "ServiceId" || c.Info.Accounts.AccountID != "acc" {
				t.Fatalf("claims = %+v", c)
			}
		})
	}
}

func TestTokenJSON(t *testing.T) {
	now := time.Unix(1900000000-600, 0)
	tok := Token{AccessToken: "a.b.c", RefreshToken: "r", TokenType: "Bearer", ExpiresIn: 3600, Expiration: 1900000000, Scope: "ibm openid"}
	b, err := tok.JSON(now)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["iam_token"] != "Bearer a.b.c" || m["expires_in"].(float64) != 600 || m["refresh_token"] != "r" || m["scope"] != "ibm openid" {
		t.Fatalf("JSON = %s", b)
	}
	tok.RefreshToken, tok.Scope = "", ""
	b, _ = tok.JSON(now)
	if strings.Contains(string(b), "refresh_token") || strings.Contains(string(b), "scope") {
		t.Fatalf("empty optional fields printed: %s", b)
	}
}

func TestFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "token.json")
	tok := Token{AccessToken: jwt(`{"exp":1}`), RefreshToken: "r", TokenType: "Bearer", Expiration: 1}
	doc, _ := tok.JSON(time.Unix(0, 0))
	if err := WriteFile(p, doc); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		st, _ := os.Stat(p)
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("mode = %v", st.Mode().Perm())
		}
	}
	got, err := ReadFile(p)
	if err != nil || got.AccessToken != tok.AccessToken || got.RefreshToken != "r" {
		t.Fatalf("ReadFile = %+v, %v", got, err)
	}
	// The page's curl output parses too.
	curl := `{"access_token":"eyJ.x.y","expiration":1512161390,"expires_in":3600,"refresh_token":"not_supported","token_type":"Bearer"}`
	if got, err := ParseFile([]byte("\ufeff"+curl), "t"); err != nil || got.RefreshToken != "not_supported" {
		t.Fatalf("curl file = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "{}", "[]", "not json", `{"access_token":""}`, `{"access_token":5}`} {
		if _, err := ParseFile([]byte(bad), "t"); err == nil {
			t.Errorf("ParseFile(%q) accepted", bad)
		}
	}
}

func TestReadFileFailures(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, make([]byte, maxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, cause := range map[string]string{
		filepath.Join(dir, "missing.json"): "tokenfile_missing",
		dir:                                "tokenfile_unreadable",
		big:                                "tokenfile_malformed",
	} {
		_, err := ReadFile(path)
		if f, ok := failure.As(err); !ok || f.Cause != cause {
			t.Errorf("ReadFile(%s) = %v, want %s", filepath.Base(path), err, cause)
		}
	}
}

func TestWriteFileFailureLeavesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	if err := WriteFile(filepath.Join(dir, "t.json"), []byte("{}")); err == nil {
		t.Fatal("write into a missing folder succeeded")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatal("folder was created")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(jwt(`{"id":"x","exp":1900000000}`))
	f.Add("Bearer a.b.c")
	f.Add("..")
	f.Add(jwt(`{"exp":1e400}`))
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Decode(s)
		if err != nil {
			if f, ok := failure.As(err); !ok || f.Cause != "token_malformed" {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if c.Raw == nil || c.Info.Expiry.IsZero() {
			t.Fatalf("decoded claims without expiry: %+v", c)
		}
	})
}

func FuzzParseFile(f *testing.F) {
	f.Add([]byte(`{"access_token":"a.b.c","refresh_token":"r","expiration":1}`))
	f.Add([]byte(`{"access_token":"a.b.c","token_type":"bearer"}`))
	f.Add([]byte(`{"access_token":"a.b.c'","token_type":"Bearer\u2019"}`))
	f.Add([]byte("\ufeff{}"))
	f.Add([]byte(`{"access_token":"Bearer  "}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := ParseFile(data, "f")
		if err != nil {
			if _, ok := failure.As(err); !ok {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if tok.AccessToken == "" || strings.HasPrefix(strings.ToLower(tok.AccessToken), "bearer ") {
			t.Fatalf("unusable token parsed: %+v", tok)
		}
		if tok.TokenType != "Bearer" || !ValidAccessToken(tok.AccessToken) {
			t.Fatalf("token outside IAM's shape parsed: %+v", tok)
		}
	})
}
