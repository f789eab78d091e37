package apikey

import (
	"encoding/json"
	"testing"
)

// mapDecode is the reflection decoding apikeyMember replaces: the value a
// key file yields ("" for none) and whether it was valid JSON.
func mapDecode(data []byte) (string, bool) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return "", false
	}
	var v string
	if raw, ok := doc["apikey"]; ok && json.Unmarshal(raw, &v) == nil {
		return v, true
	}
	return "", true
}

func memberOutcome(data []byte) (string, bool) {
	v, ok, valid := apikeyMember(data)
	if !ok {
		v = ""
	}
	return v, valid
}

func TestAPIKeyMember(t *testing.T) {
	for _, in := range []string{
		`{"apikey":"k1"}`,
		`{"name":"x","apikey":"k1","createdAt":"2026","nested":{"apikey":"no"},"list":[{"apikey":"no"}]}`,
		`{"apikey":"k1","apikey":"k2"}`,
		`{"apikey":"k1","apikey":3}`,
		`{"apikey":null}`,
		`{"apikey":{"a":"b"}}`,
		`{"APIKEY":"k1"}`,
		`{"apikey":"k\u00e9\"1"}`,
		`{"apikey":"k1"} x`,
		`{"apikey":"k1"`,
		`{"apikey":"k1"}{}`,
		`{}`,
		`{`,
	} {
		v, valid := memberOutcome([]byte(in))
		wv, wvalid := mapDecode([]byte(in))
		if v != wv || valid != wvalid {
			t.Errorf("%s: apikeyMember gives %q, valid %v; a map decode gives %q, valid %v", in, v, valid, wv, wvalid)
		}
	}
}

// FuzzAPIKeyMember holds apikeyMember to the map decode it replaces, in
// both directions: same validity, same key.
func FuzzAPIKeyMember(f *testing.F) {
	f.Add([]byte(`{"name":"k","apikey":"abc","x":[1,{"y":null}]}`))
	f.Add([]byte(`{"apikey":1,"apikey":"z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || data[0] != '{' {
			return // parse only reads JSON that starts with '{'
		}
		v, valid := memberOutcome(data)
		wv, wvalid := mapDecode(data)
		if v != wv || valid != wvalid {
			t.Fatalf("%q: apikeyMember gives %q, valid %v; a map decode gives %q, valid %v", data, v, valid, wv, wvalid)
		}
	})
}
