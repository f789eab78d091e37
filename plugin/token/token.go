// Package token holds what kp-token knows about IAM tokens: the Token type
// (the fields of IAM's reply, as in the page's token.json), decoding of
// access-token claims, the three ways to obtain a token (API key, refresh
// token, CLI session) and token files.
package token

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/core_config"

	"github.com/kp-token/kp-token/plugin/failure"
)

// Token is an IAM token reply. JSON names are IAM's, so a file written by
// kp-token and the page's curl output are interchangeable.
type Token struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Expiration   int64  `json:"expiration"`
	Scope        string `json:"scope,omitempty"`
}

// Bearer is the value for an Authorization header.
func (t Token) Bearer() string {
	typ := t.TokenType
	if typ == "" {
		typ = "Bearer"
	}
	return typ + " " + t.AccessToken
}

// ExpiresAt is the expiry instant.
func (t Token) ExpiresAt() time.Time { return time.Unix(t.Expiration, 0) }

// JSON is the document kp-token prints and writes: IAM's fields plus
// iam_token, the name 'ibmcloud iam oauth-tokens --output json' uses. The
// expiry fields are recomputed against now so that expires_in is what is
// left, not what IAM granted an hour ago.
func (t Token) JSON(now time.Time) ([]byte, error) { return t.JSONWith(now, nil) }

// JSONWith is JSON with extra top-level fields (where the token is used).
func (t Token) JSONWith(now time.Time, extra map[string]any) ([]byte, error) {
	type doc struct {
		Token
		IAMToken string `json:"iam_token"`
	}
	t.ExpiresIn = t.Expiration - now.Unix()
	if t.TokenType == "" {
		t.TokenType = "Bearer"
	}
	if len(extra) == 0 {
		return json.MarshalIndent(doc{Token: t, IAMToken: t.Bearer()}, "", "  ")
	}
	base, err := json.Marshal(doc{Token: t, IAMToken: t.Bearer()})
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(base, &m); err != nil {
		return nil, err
	}
	for k, v := range extra {
		m[k] = v
	}
	return json.MarshalIndent(m, "", "  ")
}

// Claims are the decoded payload of an access token.
type Claims struct {
	Info core_config.IAMTokenInfo
	Raw  map[string]any
}

// ClientID returns the client_id claim.
func (c Claims) ClientID() string { s, _ := c.Raw["client_id"].(string); return s }

// Decode reads an access token's claims without verifying its signature:
// kp-token shows what a token says; IAM and Key Protect verify it. The
// decoding is the SDK's (core_config.DecodeAccessToken, NewIAMTokenInfo).
func Decode(access string) (Claims, error) {
	access = StripBearer(access)
	malformed := failure.New("token_malformed", nil).WithRemedy("token_malformed_remedy", nil)
	if !ValidAccessToken(access) {
		return Claims{}, malformed
	}
	payload, err := core_config.DecodeAccessToken(access)
	if err != nil || len(payload) == 0 {
		return Claims{}, malformed
	}
	var raw map[string]any
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return Claims{}, malformed
	}
	exp, ok := raw["exp"].(json.Number)
	if !ok {
		return Claims{}, malformed
	}
	// An exp past year 9999 (or before 1970) is no real token's, and would
	// overflow every duration computed from it.
	if v, err := exp.Int64(); err != nil || v < 0 || v > maxUnixTime {
		return Claims{}, malformed
	}
	info := core_config.NewIAMTokenInfo(access)
	if info.Expiry.IsZero() {
		return Claims{}, malformed
	}
	return Claims{Info: info, Raw: raw}, nil
}

// maxUnixTime is 9999-12-31T23:59:59Z.
const maxUnixTime = 253402300799

// StripBearer removes a leading "Bearer " (any case) and surrounding space.
func StripBearer(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))
	if len(s) > 7 && strings.EqualFold(s[:7], "bearer ") {
		s = strings.TrimSpace(s[7:])
	}
	return s
}

// fromAccessToken builds a Token from a bare access token (the CLI session
// stores no expiry of its own), taking the expiry from the exp claim.
func fromAccessToken(access string, now time.Time) (Token, error) {
	access = StripBearer(access)
	c, err := Decode(access)
	if err != nil {
		return Token{}, err
	}
	exp := c.Info.Expiry.Unix()
	scope, _ := c.Raw["scope"].(string)
	return Token{
		AccessToken: access,
		TokenType:   "Bearer",
		Expiration:  exp,
		ExpiresIn:   exp - now.Unix(),
		Scope:       scope,
	}, nil
}

// Lifetime is how long IAM made a token valid for (exp - iat), 0 when the
// claims do not say.
func Lifetime(access string) time.Duration {
	c, err := Decode(access)
	if err != nil || c.Info.IssueAt.IsZero() {
		return 0
	}
	return c.Info.Expiry.Sub(c.Info.IssueAt)
}

// CheckLifetime fails when t's issuer makes tokens that cannot stay valid
// for minValidity: asking for a new one would not help. The failure wraps
// a *ShortLived, and its remedy gives a value a new token meets.
func CheckLifetime(t Token, minValidity time.Duration) error {
	life := Lifetime(t.AccessToken)
	if life <= 0 || life > minValidity {
		return nil
	}
	return failure.New("min_validity_unreachable", map[string]any{
		"MinValidity": failure.Duration(minValidity), "Lifetime": failure.Duration(life),
	}).WithRemedy("min_validity_unreachable_remedy", map[string]any{
		"Lifetime": failure.Duration(life), "Example": FormatMinValidity(ReachableMinValidity(life)),
	}).Wrap(&ShortLived{Lifetime: life, MinValidity: minValidity})
}

// ExpiryClaim reads only the exp claim of an access token: the cache's
// check on every cached run, where the SDK's full decoding (done twice)
// would cost more than the rest of the run. Anything unusual is an error.
func ExpiryClaim(access string) (int64, error) {
	claims, err := payloadClaims(access)
	if err != nil {
		return 0, err
	}
	return expClaim(claims)
}

// expiryAndScope reads the exp claim as ExpiryClaim does, and the scope
// claim (a string, when there is one), with one decoding of the claims:
// what a token IAM has just sent is asked for. (The SDK's full decoding,
// three passes over the claims, cost a cold 'get' 0.1 ms.)
func expiryAndScope(access string) (exp int64, scope string, err error) {
	claims, err := payloadClaims(access)
	if err != nil {
		return 0, "", err
	}
	if exp, err = expClaim(claims); err != nil {
		return 0, "", err
	}
	if raw, ok := claims["scope"]; ok && json.Unmarshal(raw, &scope) != nil {
		return 0, "", errMalformed
	}
	return exp, scope, nil
}

// payloadClaims decodes an access token's claims, each left undecoded.
func payloadClaims(access string) (map[string]json.RawMessage, error) {
	parts := strings.Split(StripBearer(access), ".")
	if len(parts) != 3 {
		return nil, errMalformed
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, errMalformed
	}
	var claims map[string]json.RawMessage
	if json.Unmarshal(payload, &claims) != nil {
		return nil, errMalformed
	}
	return claims, nil
}

// expClaim is the exp claim, a whole number of seconds from 1970 to 9999.
func expClaim(claims map[string]json.RawMessage) (int64, error) {
	n, ok := expMember(claims)
	if !ok {
		return 0, errMalformed
	}
	exp, err := n.Int64()
	if err != nil || exp < 0 || exp > maxUnixTime {
		return 0, errMalformed
	}
	return exp, nil
}

// expMember finds the top-level "exp" number of a claims object. When
// "exp" is given twice the last one wins, as with json.Unmarshal; a
// differently-cased "EXP", which json.Unmarshal into a struct would also
// read as exp, is refused rather than guessed at.
func expMember(claims map[string]json.RawMessage) (json.Number, bool) {
	for name := range claims {
		if name != "exp" && strings.EqualFold(name, "exp") {
			return "", false
		}
	}
	raw, ok := claims["exp"]
	if !ok {
		return "", false
	}
	// A number, not a string holding one: json.Number takes both.
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return "", false
	}
	exp, ok := v.(json.Number)
	return exp, ok
}

var errMalformed = errors.New("malformed access token")
