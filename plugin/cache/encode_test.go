package cache

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/kp-token/kp-token/plugin/token"
)

func TestEncodeEntryIsEncodingJSONs(t *testing.T) {
	full := Entry{Version: version, Endpoint: "https://iam.cloud.ibm.com", KeyHash: "ab01", Scope: "ibm openid", Source: "profile:Profile-1",
		Stored: 1796260402, Token: token.Token{AccessToken: "eyJ.eyJ.sig", RefreshToken: "rt", TokenType: "Bearer", ExpiresIn: 3600, Expiration: 1796264002, Scope: "ibm openid"}}
	tests := []struct {
		name string
		e    Entry
	}{
		{"every field", full},
		{"the omitted ones empty", Entry{Version: version, Endpoint: "http://127.0.0.1:1", Token: token.Token{AccessToken: "a", TokenType: "Bearer"}}},
		{"zero", Entry{}},
		{"negative numbers", Entry{Version: -1, Stored: -5, Token: token.Token{ExpiresIn: -1, Expiration: -9}}},
		{"escapes", Entry{Endpoint: "a\"b\\c\nd\re\tf\bg\fh\x00i\x1fj<k>l&m\u2028n\u2029o", Scope: "é漢字🙂", Source: "\x7f",
			Token: token.Token{AccessToken: "bad \xff utf-8 \xe2\x82", RefreshToken: "\xed\xa0\x80", TokenType: "\u2027\u202a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			same(t, tt.e)
		})
	}
}

// same fails unless encodeEntry writes what json.MarshalIndent writes.
func same(t *testing.T, e Entry) {
	t.Helper()
	want, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodeEntry(e)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encodeEntry:\n%s\nencoding/json:\n%s", got, want)
	}
}

// An entry written by hand is the one encoding/json would have written,
// whatever its strings hold.
func FuzzEncodeEntry(f *testing.F) {
	f.Add(1, "https://iam.cloud.ibm.com", "ab", "ibm openid", "", int64(1), "eyJ.a.b", "rt", "Bearer", int64(3600), int64(2), "ibm")
	f.Add(-1, "<\u2028>", "\xff", "\x00\x1f", "&", int64(-1), "\"\\", "", "\t", int64(0), int64(0), "")
	f.Fuzz(func(t *testing.T, v int, endpoint, hash, scope, source string, stored int64, access, refresh, typ string, expiresIn, expiration int64, tscope string) {
		same(t, Entry{Version: v, Endpoint: endpoint, KeyHash: hash, Scope: scope, Source: source, Stored: stored,
			Token: token.Token{AccessToken: access, RefreshToken: refresh, TokenType: typ, ExpiresIn: expiresIn, Expiration: expiration, Scope: tscope}})
	})
}
