package credential

import (
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/token"
)

// RenewSession renews the CLI session's token through the SDK, which
// writes it back to the CLI's configuration: always when force is set,
// else only when it expires within minValidity.
func (r *Resolver) RenewSession(minValidity time.Duration, force bool) (token.Token, error) {
	iam, err := r.iam()
	if err != nil {
		return token.Token{}, err
	}
	if r.Session == nil {
		return token.Token{}, failure.New("session_none", nil).WithRemedy("session_none_remedy", nil)
	}
	t, _, err := token.FromSession(r.Session, token.SessionRequest{Renewer: r.Renewer,
		Force: force, MinValidity: minValidity, Now: r.Now(), URL: iam.URL, Timeout: iam.Timeout,
	})
	if err != nil {
		return token.Token{}, err
	}
	r.Secrets.Add(t.AccessToken)
	return t, nil
}

// RenewFile renews the token in a token file (written by 'get --file' or
// by the page's curl) with its refresh token. With minValidity set, a
// token that stays valid for longer is returned as it is, and kept is
// true: a cron job running every few minutes costs IAM nothing until the
// token is due. The file itself is not written.
func (r *Resolver) RenewFile(path string, minValidity time.Duration, minValiditySet bool) (t token.Token, kept bool, err error) {
	iam, err := r.iam()
	if err != nil {
		return token.Token{}, false, err
	}
	old, err := token.ReadFile(path)
	if err != nil {
		return token.Token{}, false, err
	}
	r.Secrets.Add(old.AccessToken, old.RefreshToken)
	if minValiditySet && old.Expiration > 0 && old.ExpiresAt().Sub(r.Now()) > minValidity {
		return old, true, nil
	}
	where := map[string]any{"Path": path}
	switch old.RefreshToken {
	case "":
		return token.Token{}, false, failure.New("refresh_token_missing", where).WithRemedy("refresh_token_missing_remedy", where)
	case "not_supported":
		// The page's curl sends no client ID, and IAM then issues no usable
		// refresh token.
		return token.Token{}, false, failure.New("refresh_token_not_supported", where).WithRemedy("refresh_token_missing_remedy", where)
	}
	t, err = iam.FromRefreshToken(old.RefreshToken)
	if err != nil {
		if failure.Is(err, failure.KindExpired, failure.KindInvalid) {
			f, _ := failure.As(err)
			f.WithRemedy("refresh_token_missing_remedy", where)
		}
		return token.Token{}, false, err
	}
	if t.RefreshToken == "" {
		t.RefreshToken = old.RefreshToken
	}
	r.Secrets.Add(t.AccessToken, t.RefreshToken)
	return t, false, nil
}
