package token

import (
	"errors"
	"strings"

	"github.com/kp-token/kp-token/plugin/failure"
)

// A token kp-token accepts ends up in eval'ed lines (--output env), in
// header lines and in child environments. Whatever its source (IAM, the
// CLI's configuration, a cache entry, a token file), it must have the only
// shape IAM gives one: the type Bearer and an access token in the JWT
// alphabet. Anything else is refused, never escaped and passed on.

// shapeError is a token outside that shape: its type, when the type is
// what is wrong, or a malformed access token.
type shapeError struct {
	badType bool
	typ     string
}

func (e *shapeError) Error() string {
	if e.badType {
		return "the token type is not Bearer"
	}
	return "the access token is not a JWT"
}

// checkShape returns a *shapeError when typ is not Bearer (in any case) or
// access is not a JWT.
func checkShape(typ, access string) error {
	if _, ok := bearerType(typ); !ok {
		return &shapeError{badType: true, typ: typ}
	}
	if !ValidAccessToken(access) {
		return &shapeError{}
	}
	return nil
}

// shapeFailure is a shape error of a token IAM at url sent, as a failure
// that names IAM and, for a bad type, the type.
func shapeFailure(err error, url string) error {
	var e *shapeError
	if !errors.As(err, &e) {
		return err
	}
	if e.badType {
		return failure.New("iam_token_type_invalid", map[string]any{"URL": url, "Type": excerpt(e.typ)}).
			WithRemedy("iam_unexpected_reply_remedy", nil)
	}
	return failure.New("iam_token_malformed", map[string]any{"URL": url}).WithRemedy("iam_unexpected_reply_remedy", nil)
}

// ValidAccessToken reports whether s is a JWT in compact form: three
// non-empty base64url segments (A-Z a-z 0-9 - _, no padding) separated by
// dots. No quote, space or control character can pass.
func ValidAccessToken(s string) bool {
	dots, n := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
			n++
		case c == '.':
			if n == 0 {
				return false
			}
			dots, n = dots+1, 0
		default:
			return false
		}
	}
	return dots == 2 && n > 0
}

// bearerType is typ normalized: "Bearer" in any case is "Bearer"; ok is
// false for anything else.
func bearerType(typ string) (string, bool) {
	if strings.EqualFold(typ, "Bearer") {
		return "Bearer", true
	}
	return "", false
}

// Normalize checks t's shape and writes its type as "Bearer". A missing
// type (a hand-written token file) counts as Bearer; IAM's replies are
// held to more (see checkReply).
func (t *Token) Normalize() error {
	if t.TokenType == "" {
		t.TokenType = "Bearer"
	}
	if err := checkShape(t.TokenType, t.AccessToken); err != nil {
		return err
	}
	t.TokenType = "Bearer"
	return nil
}

// splitAuthorization reads an Authorization value as the SDK stores it in
// the CLI's configuration (token_type + " " + access_token; a bare token
// is taken as Bearer) and checks it.
func splitAuthorization(v string) (access string, err error) {
	typ, access, found := strings.Cut(strings.TrimSpace(v), " ")
	if !found {
		typ, access = "Bearer", typ
	}
	access = strings.TrimSpace(access)
	return access, checkShape(typ, access)
}

// excerpt is at most the first 40 characters of s, to name a bad value in
// a message without printing a whole reply.
func excerpt(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
