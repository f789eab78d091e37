package token

import (
	"encoding/json"
	"testing"
)

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
		var claims map[string]json.RawMessage
		got, ok := json.Number(""), false
		if json.Unmarshal([]byte(tt.payload), &claims) == nil {
			got, ok = expMember(claims)
		}
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("expMember(%s) = %q, %v; want %q", tt.payload, got, ok, tt.want)
		}
	}
}
