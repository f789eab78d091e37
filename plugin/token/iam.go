package token

import (
	"errors"
	"net/http"
	"time"

	"github.com/IBM/go-sdk-core/v5/core"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/httpclient"
)

// The CLI's own OAuth client. IAM only returns a usable refresh token to a
// client that authenticates, and a refresh token only works with the client
// that obtained it; using the CLI's keeps kp-token's tokens interchangeable
// with the session's.
const (
	cliClientID     = "bx"
	cliClientSecret = "bx"
)

// IAM obtains tokens from IAM's token service through go-sdk-core's
// IamAuthenticator.
type IAM struct {
	URL     string
	Client  *http.Client
	Timeout time.Duration // for messages; the client enforces it
}

// FromAPIKey exchanges an API key for a token
// (grant_type=urn:ibm:params:oauth:grant-type:apikey).
func (c *IAM) FromAPIKey(apikey, scope string) (Token, error) {
	a, err := core.NewIamAuthenticatorBuilder().
		SetApiKey(apikey).
		SetURL(c.URL).
		SetClientIDSecret(cliClientID, cliClientSecret).
		SetScope(scope).
		SetClient(c.Client).
		Build()
	if err != nil {
		// go-sdk-core refuses keys that start or end with { } or ".
		return Token{}, failure.New("apikey_malformed", nil).WithRemedy("apikey_file_remedy", nil)
	}
	return c.request(a, "apikey")
}

// FromRefreshToken trades a refresh token for a new token
// (grant_type=refresh_token).
func (c *IAM) FromRefreshToken(refresh string) (Token, error) {
	a, err := core.NewIamAuthenticatorBuilder().
		SetRefreshToken(refresh).
		SetURL(c.URL).
		SetClientIDSecret(cliClientID, cliClientSecret).
		SetClient(c.Client).
		Build()
	if err != nil {
		return Token{}, failure.New("refresh_token_missing", nil).WithRemedy("refresh_token_missing_remedy", nil)
	}
	return c.request(a, "refresh")
}

// tokenRequester is what go-sdk-core's IAM-based authenticators share.
type tokenRequester interface {
	RequestToken() (*core.IamTokenServerResponse, error)
}

func (c *IAM) request(a tokenRequester, grant string) (Token, error) {
	resp, err := a.RequestToken()
	if err != nil {
		return Token{}, c.classify(err, grant)
	}
	// go-sdk-core ignores a 200 body it cannot decode; an HTML page from a
	// proxy would come back as an empty token.
	if resp == nil || resp.AccessToken == "" {
		return Token{}, unexpectedReply(200, c.URL)
	}
	// What IAM sends is printed in eval'ed lines: a token_type other than
	// Bearer or an access token outside the JWT alphabet is refused.
	if err := checkReply(resp.TokenType, resp.AccessToken, c.URL); err != nil {
		return Token{}, err
	}
	t := Token{
		AccessToken:  resp.AccessToken,
		RefreshToken: resp.RefreshToken,
		TokenType:    "Bearer",
		ExpiresIn:    resp.ExpiresIn,
		Expiration:   resp.Expiration,
	}
	// IAM's reply carries scope, but go-sdk-core's reply type drops it; the
	// access token has the same value as a claim. Its exp claim is held to
	// what the cache checks on every read, so that a token stored is a
	// token found.
	exp, scope, err := expiryAndScope(t.AccessToken)
	if err != nil {
		return Token{}, unexpectedReply(200, c.URL)
	}
	t.Scope = scope
	if t.Expiration == 0 {
		t.Expiration = exp
	}
	return t, nil
}

// unexpectedReply is a reply that is not an IAM token response.
func unexpectedReply(status int, url string) *failure.Failure {
	return failure.New("iam_unexpected_reply", map[string]any{"Status": status, "URL": url}).
		WithRemedy("iam_unexpected_reply_remedy", nil).WithKind(failure.KindUnexpectedReply)
}

// checkReply holds a token IAM at url sent to the only shape IAM gives:
// token_type Bearer (in any case) and a JWT access token.
func checkReply(typ, access, url string) error {
	if typ == "" {
		return unexpectedReply(200, url)
	}
	if err := checkShape(typ, access); err != nil {
		return shapeFailure(err, url)
	}
	return nil
}

// iamCode is the kind, message and remedy of an IAM error code with a
// message of its own.
func iamCode(code string) (kind failure.Kind, msg, remedy string, ok bool) {
	switch code {
	case "BXNIM0415E":
		return failure.KindNotFound, "iam_apikey_not_found", "iam_apikey_not_found_remedy", true
	case "BXNIM0408E":
		return failure.KindExpired, "iam_refresh_expired", "iam_refresh_expired_remedy", true
	case "BXNIM0407E":
		return failure.KindInvalid, "iam_token_invalid", "iam_refresh_expired_remedy", true
	case "BXNIM0439E":
		return failure.KindExpired, "iam_session_inactive", "iam_refresh_expired_remedy", true
	}
	return "", "", "", false
}

func (c *IAM) classify(err error, grant string) error {
	var authErr *core.AuthenticationError
	if errors.As(err, &authErr) && authErr.HTTPProblem != nil && authErr.Response != nil {
		err = c.fromReply(authErr.Response, grant, err)
	} else {
		err = httpclient.Failure(err, failure.ServiceIAM, c.URL, c.Timeout)
	}
	// Say what was tried when retries were made.
	if f, ok := failure.As(err); ok && httpclient.Attempts(c.Client) > 1 {
		f.WithNote("iam_attempts", httpclient.Attempts(c.Client))
	}
	return err
}

func (c *IAM) fromReply(r *core.DetailedResponse, grant string, err error) error {
	status := r.GetStatusCode()
	data := map[string]any{"Status": status, "URL": c.URL}
	body, _ := r.Result.(map[string]any)
	code, _ := body["errorCode"].(string)
	msg, _ := body["errorMessage"].(string)
	data["Code"], data["Message"] = code, msg
	if kind, id, remedy, ok := iamCode(code); ok {
		if grant == "apikey" && kind != failure.KindNotFound {
			remedy = "iam_rejected_remedy"
		}
		return failure.New(id, data).WithRemedy(remedy, nil).WithKind(kind).Wrap(err)
	}
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		o := failure.Outage{Kind: failure.KindUnavailable, Service: failure.ServiceIAM, URL: c.URL, Status: status, Code: code}
		return failure.NewOutage(o).Wrap(err)
	case code == "":
		return unexpectedReply(status, c.URL).Wrap(err)
	default:
		return failure.New("iam_rejected", data).WithRemedy("iam_rejected_remedy", nil).WithKind(failure.KindRejected).Wrap(err)
	}
}
