package credential

import (
	"context"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/token"
)

// Admin is what 'setup' acts with: a token, the IAM endpoint it came from
// (the IAM Identity and Policy APIs are there too) and the account.
type Admin struct {
	Token   token.Token
	IAMURL  string
	Account string
}

// Admin is the identity setup acts with: the logged-in session's, or the
// one an explicit source gives (an API key, a trusted profile), in the
// session's account or the token's.
func (r *Resolver) Admin(ctx context.Context, src Source) (Admin, error) {
	t, url, err := r.adminToken(ctx, src)
	if err != nil {
		return Admin{}, err
	}
	r.Secrets.Add(t.AccessToken)
	a := Admin{Token: t, IAMURL: url}
	if !src.Explicit() && r.Session != nil {
		a.Account = r.Session.CurrentAccount().GUID
	}
	if c, err := token.Decode(t.AccessToken); err == nil && a.Account == "" {
		a.Account = c.Info.Accounts.AccountID
	}
	if a.Account == "" {
		return Admin{}, failure.New("setup_no_account", nil).WithRemedy("setup_no_account_remedy", nil)
	}
	return a, nil
}

func (r *Resolver) adminToken(ctx context.Context, src Source) (token.Token, string, error) {
	url, endpointErr := r.Endpoint()
	if src.Explicit() {
		if endpointErr != nil {
			return token.Token{}, "", endpointErr
		}
		if src.MinValidity == 0 {
			src.MinValidity = DefaultMinValidity
		}
		t, err := r.Resolve(ctx, src)
		return t, url, err
	}
	if r.Session == nil || (token.StripBearer(r.Session.IAMToken()) == "" && r.Session.IAMRefreshToken() == "") {
		return token.Token{}, "", failure.New("setup_not_logged_in", nil).WithRemedy("session_login_remedy", nil)
	}
	t, err := r.adaptive(Source{MinValidity: DefaultMinValidity}, func(src Source) (token.Token, error) {
		t, _, err := token.FromSession(r.Session, token.SessionRequest{Renewer: r.Renewer,
			MinValidity: src.MinValidity, Now: r.Now(), URL: url, Timeout: r.Timeout, EndpointErr: endpointErr,
		})
		return t, err
	})
	if err == nil && endpointErr != nil {
		err = endpointErr
	}
	return t, url, err
}

// Exchange gets a token for key at the run's IAM endpoint, past the cache:
// 'setup --rotate' proves that a new key works before it replaces the old
// one. go-sdk-core's exchange takes no context: ctx (a signal) ends the
// wait, and the answer, when it comes, is dropped.
func (r *Resolver) Exchange(ctx context.Context, key string) (token.Token, error) {
	r.Secrets.Add(key)
	iam, err := r.iam()
	if err != nil {
		return token.Token{}, err
	}
	type result struct {
		t   token.Token
		err error
	}
	done := make(chan result, 1)
	go func() {
		t, err := iam.FromAPIKey(key, "")
		r.Secrets.Add(t.AccessToken, t.RefreshToken)
		done <- result{t, err}
	}()
	select {
	case res := <-done:
		return res.t, res.err
	case <-ctx.Done():
		return token.Token{}, ctx.Err()
	}
}
