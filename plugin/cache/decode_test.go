package cache

import (
	"encoding/json"
	"testing"
)

func TestDecodeEntry(t *testing.T) {
	full, _ := json.MarshalIndent(Entry{Version: 1, Endpoint: "https://iam.cloud.ibm.com", KeyHash: "ab", Scope: "s", Source: "apikey",
		Stored: 1700000000, Token: tok(1900000000)}, "", "  ")
	tests := []struct {
		name string
		data string
		ok   bool
	}{
		{"as Store writes it", string(full), true},
		{"empty object", `{}`, true},
		{"escapes", `{"iam_endpoint":"https:\/\/iam\u002ecloud.ibm.com","token":{"access_token":"a\"b"}}`, true},
		{"unknown field", `{"version":1,"extra":1}`, false},
		{"unknown token field", `{"token":{"id_token":"x"}}`, false},
		{"repeated field: the last wins", `{"scope":"a","scope":"b"}`, true},
		{"string for a number", `{"version":"1"}`, false},
		{"number for a string", `{"scope":1}`, false},
		{"fraction", `{"stored_at":1.5}`, false},
		{"exponent", `{"stored_at":1e3}`, false},
		{"too big", `{"stored_at":9223372036854775808}`, false},
		{"second value", `{} {}`, false},
		{"trailing garbage", `{}x`, false},
		{"array", `[]`, false},
		{"truncated", string(full[:len(full)-3]), false},
		{"token not an object", `{"token":"x"}`, false},
		{"empty", ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := decodeEntry([]byte(tt.data)); ok != tt.ok {
				t.Fatalf("decodeEntry ok = %v, want %v", ok, tt.ok)
			}
		})
	}
}
