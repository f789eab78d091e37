package token

import (
	"encoding/json"
	"testing"
)

// stdExp is the reflection decoding expMember replaces.
func stdExp(payload []byte) (json.Number, bool) {
	var c struct {
		Exp json.Number `json:"exp"`
	}
	if err := json.Unmarshal(payload, &c); err != nil || c.Exp == "" {
		return "", false
	}
	return c.Exp, true
}

func TestExpMember(t *testing.T) {
	tests := []struct {
		payload string
		want    json.Number // "" when refused
	}{
		{`{"iam_id":"x","exp":1900000000,"iat":1}`, "1900000000"},
		{`{"a":{"exp":1,"b":[1,{"c":[]}]},"exp":2}`, "2"}, // nested exp is not the claim
		{`{"exp":1.5}`, "1.5"},                            // a number; Int64 refuses it later
		{`{"exp":1,"exp":2}`, "2"},                        // the last, as encoding/json
		{`{"exp":2,"EXP":1}`, ""},                         // encoding/json would take the last
		{`{"Exp":1}`, ""},
		{`{"exp":"1"}`, ""},
		{`{"exp":null}`, ""},
		{`{"nbf":1}`, ""},
		{`[{"exp":1}]`, ""},
		{`{"exp":1}x`, ""},
		{`{"exp":1`, ""},
		{`{"a":[1,2}`, ""},
		{``, ""},
	}
	for _, tt := range tests {
		got, ok := expMember([]byte(tt.payload))
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("expMember(%s) = %q, %v; want %q", tt.payload, got, ok, tt.want)
		}
		if ok {
			if std, stdOK := stdExp([]byte(tt.payload)); !stdOK || std != got {
				t.Errorf("encoding/json reads %s as %q, %v", tt.payload, std, stdOK)
			}
		}
	}
}

// FuzzExpMember holds expMember to encoding/json: whatever it accepts,
// json.Unmarshal accepts with the same exp.
func FuzzExpMember(f *testing.F) {
	f.Add([]byte(`{"iam_id":"x","exp":1900000000,"scope":["a",{"b":null}]}`))
	f.Add([]byte(`{"EXP":1}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		got, ok := expMember(payload)
		if !ok {
			return
		}
		if std, stdOK := stdExp(payload); !stdOK || std != got {
			t.Fatalf("expMember(%q) = %q; encoding/json: %q, %v", payload, got, std, stdOK)
		}
	})
}
