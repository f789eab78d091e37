package cache

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"

	"github.com/kp-token/kp-token/plugin/token"
)

// decodeEntry reads an entry file with encoding/json's tokenizer rather
// than by reflection: a cached 'get' reads one entry per run, and building
// the reflection data for Entry and Token was a third of the command's own
// start-up work (perf). It is stricter than json.Unmarshal with
// DisallowUnknownFields: an unknown, repeated, null or mistyped field, or
// anything after the object, makes the entry damaged. A differential fuzz
// test holds it to json.Unmarshal on everything it accepts.
func decodeEntry(data []byte) (Entry, bool) {
	var e Entry
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	ok := object(d, func(field string) bool {
		switch field {
		case "version":
			n, ok := integer(d)
			e.Version = int(n)
			return ok && n >= 0 && n <= 1<<31-1
		case "iam_endpoint":
			return str(d, &e.Endpoint)
		case "apikey_sha256":
			return str(d, &e.KeyHash)
		case "scope":
			return str(d, &e.Scope)
		case "source":
			return str(d, &e.Source)
		case "stored_at":
			n, ok := integer(d)
			e.Stored = n
			return ok
		case "token":
			return decodeToken(d, &e.Token)
		}
		return false
	})
	if !ok {
		return Entry{}, false
	}
	if _, err := d.Token(); err != io.EOF {
		return Entry{}, false
	}
	return e, true
}

func decodeToken(d *json.Decoder, t *token.Token) bool {
	return object(d, func(field string) bool {
		switch field {
		case "access_token":
			return str(d, &t.AccessToken)
		case "refresh_token":
			return str(d, &t.RefreshToken)
		case "token_type":
			return str(d, &t.TokenType)
		case "expires_in":
			n, ok := integer(d)
			t.ExpiresIn = n
			return ok
		case "expiration":
			n, ok := integer(d)
			t.Expiration = n
			return ok
		case "scope":
			return str(d, &t.Scope)
		}
		return false
	})
}

// object reads one JSON object, calling field for each member; field reads
// the value. A member seen twice fails, as does any field that fails.
func object(d *json.Decoder, field func(string) bool) bool {
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	seen := map[string]bool{}
	for d.More() {
		t, err := d.Token()
		name, ok := t.(string)
		if err != nil || !ok || seen[name] {
			return false
		}
		seen[name] = true
		if !field(name) {
			return false
		}
	}
	t, err := d.Token()
	return err == nil && t == json.Delim('}')
}

func str(d *json.Decoder, dst *string) bool {
	t, err := d.Token()
	s, ok := t.(string)
	*dst = s
	return err == nil && ok
}

func integer(d *json.Decoder) (int64, bool) {
	t, err := d.Token()
	n, ok := t.(json.Number)
	if err != nil || !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	return v, err == nil
}
