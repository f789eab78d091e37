package cache

import (
	"github.com/kp-token/kp-token/plugin/jsonscan"
	"github.com/kp-token/kp-token/plugin/token"
)

// decodeEntry reads an entry file without reflection (see jsonscan): a
// cached 'get' reads one entry per run, and building the reflection data
// for Entry and Token was a third of the command's own start-up work
// (perf). It is stricter than json.Unmarshal with DisallowUnknownFields:
// an unknown, differently-cased, null or mistyped field, or anything after
// the object, makes the entry damaged. FuzzDecodeEntry holds it to
// json.Unmarshal on everything it accepts.
func decodeEntry(data []byte) (Entry, bool) {
	var e Entry
	d := jsonscan.NewDecoder(data)
	ok := jsonscan.Object(d, func(field string) bool {
		switch field {
		case "version":
			var n int64
			ok := jsonscan.Int(d, &n)
			e.Version = int(n)
			return ok && n >= 0 && n <= 1<<31-1
		case "iam_endpoint":
			return jsonscan.String(d, &e.Endpoint)
		case "apikey_sha256":
			return jsonscan.String(d, &e.KeyHash)
		case "scope":
			return jsonscan.String(d, &e.Scope)
		case "source":
			return jsonscan.String(d, &e.Source)
		case "stored_at":
			return jsonscan.Int(d, &e.Stored)
		case "token":
			return decodeToken(d, &e.Token)
		}
		return false
	})
	if !ok || !jsonscan.End(d) {
		return Entry{}, false
	}
	return e, true
}

func decodeToken(d *jsonscan.Decoder, t *token.Token) bool {
	return jsonscan.Object(d, func(field string) bool {
		switch field {
		case "access_token":
			return jsonscan.String(d, &t.AccessToken)
		case "refresh_token":
			return jsonscan.String(d, &t.RefreshToken)
		case "token_type":
			return jsonscan.String(d, &t.TokenType)
		case "expires_in":
			return jsonscan.Int(d, &t.ExpiresIn)
		case "expiration":
			return jsonscan.Int(d, &t.Expiration)
		case "scope":
			return jsonscan.String(d, &t.Scope)
		}
		return false
	})
}
