package cache

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// stdDecode is the reflection decoder decodeEntry replaces.
func stdDecode(data []byte) (Entry, bool) {
	var e Entry
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&e); err != nil || d.More() {
		return Entry{}, false
	}
	return e, true
}

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
		{"negative numbers", `{"version":-1,"stored_at":-5}`, false}, // version < 0
		{"unknown field", `{"version":1,"extra":1}`, false},
		{"unknown token field", `{"token":{"id_token":"x"}}`, false},
		{"repeated field: the last wins, as encoding/json", `{"scope":"a","scope":"b"}`, true},
		{"differently-cased field", `{"Scope":"a"}`, false},
		{"null", `{"scope":null}`, false},
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
			e, ok := decodeEntry([]byte(tt.data))
			if ok != tt.ok {
				t.Fatalf("decodeEntry ok = %v, want %v", ok, tt.ok)
			}
			if ok {
				want, stdOK := stdDecode([]byte(tt.data))
				if !stdOK || !reflect.DeepEqual(e, want) {
					t.Fatalf("decodeEntry = %+v, encoding/json = %+v (%v)", e, want, stdOK)
				}
			}
		})
	}
}

// FuzzDecodeEntry holds decodeEntry to encoding/json: whatever it accepts,
// json.Unmarshal with DisallowUnknownFields accepts and reads the same.
func FuzzDecodeEntry(f *testing.F) {
	full, _ := json.Marshal(Entry{Version: 1, Endpoint: key.Endpoint, KeyHash: key.keyHash(), Scope: "s", Source: "apikey", Stored: 1, Token: tok(1900000000)})
	f.Add(full)
	f.Add([]byte(`{"token":{"access_token":"a\u00e9\ud800","expires_in":3600}}`))
	f.Add([]byte(`{"version":1} `))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, ok := decodeEntry(data)
		if !ok {
			return
		}
		want, stdOK := stdDecode(data)
		if !stdOK || !reflect.DeepEqual(e, want) {
			t.Fatalf("decodeEntry accepted %q as %+v; encoding/json: %+v (%v)", data, e, want, stdOK)
		}
	})
}
