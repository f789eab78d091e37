package credential

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/plugin/apikey"
	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/endpoint"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/token"
)

// Session is the CLI's login as a Resolver uses it (the SDK's
// PluginContext).
type Session interface {
	token.Session
	CurrentAccount() models.Account
}

// Cache is the token cache as a Resolver uses it (package cache).
type Cache interface {
	Load(cache.Key) (cache.Entry, cache.Status)
	Lock(context.Context, cache.Key) (unlock func(), err error)
	Store(cache.Key, token.Token, time.Time) error
	LoadOutage(cache.Key, time.Time) (failure.Outage, bool)
	StoreOutage(cache.Key, failure.Outage, time.Time) error
	ClearOutage(cache.Key)
}

// Notifier is told, as message IDs and their data, what the user should
// hear while a token is obtained; the command's printer renders it (and
// keeps quiet for -q, but for alerts).
type Notifier interface {
	// Notice is information: a damaged cache entry was replaced.
	Notice(id string, data map[string]any)
	// Warn is a warning: the cache could not be used.
	Warn(id string, data map[string]any)
	// Alert is a warning that -q does not hide: a key typed on the
	// command line is visible to others.
	Alert(id string, data map[string]any)
}

// Resolver obtains tokens for one run. It keeps one piece of state: that
// it has already said why the cache is not used.
type Resolver struct {
	Getenv func(string) string
	// Stdin is where --apikey - and --cr-token - read from.
	Stdin io.Reader
	// Session is the CLI's login; nil outside a CLI session.
	Session Session
	// Endpoint is the IAM endpoint the run uses; its error says why none
	// can be (a private session without a private IAM endpoint, say).
	Endpoint   func() (string, error)
	HTTPClient func(timeout time.Duration) *http.Client
	Timeout    time.Duration
	// OpenCache opens the token cache; when it fails the resolver warns
	// once and goes on without it.
	OpenCache func() (Cache, error)
	// Renewer renews the CLI session as a critical section; nil lets the
	// Session renew on its own.
	Renewer token.Renewer
	Now     func() time.Time
	// Secrets learns every key and token the resolver handles, so that no
	// message or trace shows them.
	Secrets *failure.Secrets
	Notify  Notifier

	warned bool
}

// Resolve returns a token from the first source that applies: a trusted
// profile's source (--cr-token, --vpc, --profile), --apikey,
// IBMCLOUD_API_KEY (or BLUEMIX_API_KEY), the CLI session. Tokens from keys
// and profiles come from the cache while they stay valid for longer than
// src.MinValidity (which, left at its default, adapts to short-lived
// tokens: adaptive). It is Open and Token in one call.
func (r *Resolver) Resolve(ctx context.Context, src Source) (token.Token, error) {
	c, err := r.Open(src)
	if err != nil {
		return token.Token{}, err
	}
	return c.Token(ctx)
}

// Credential is a source read once: its key or compute resource token read
// from the command line, a file or standard input, and a key visible on
// the command line pointed out. Token can then be called again and again
// ('exec' renews while its command runs) and reads nothing twice: standard
// input is read once, and a file may be gone. It is for one goroutine at
// a time.
type Credential struct {
	r     *Resolver
	src   Source
	c     credential
	found bool
}

// Open reads the source src names, as Resolve does, without obtaining a
// token yet.
func (r *Resolver) Open(src Source) (*Credential, error) {
	if err := src.validate(); err != nil {
		return nil, err
	}
	c, found, err := r.read(src, true)
	if err != nil {
		return nil, err
	}
	return &Credential{r: r, src: src, c: c, found: found}, nil
}

// Token returns a token from the credential that stays valid for longer
// than the source's MinValidity: from the cache (one process renews it
// under the entry's lock while the others wait and read the result), or
// the CLI session's, renewed when needed.
func (k *Credential) Token(ctx context.Context) (token.Token, error) {
	return k.r.adaptive(k.src, func(src Source) (token.Token, error) { return k.token(ctx, src) })
}

func (k *Credential) token(ctx context.Context, src Source) (token.Token, error) {
	r := k.r
	var (
		t   token.Token
		err error
	)
	switch {
	case k.found:
		if t, err = r.cached(ctx, k.c, src); err != nil {
			return token.Token{}, err
		}
		if src.Workload() {
			r.Secrets.Add(t.AccessToken)
		} else {
			r.Secrets.Add(t.AccessToken, t.RefreshToken)
		}
	default:
		if t, err = r.session(src.MinValidity); err != nil {
			return token.Token{}, err
		}
		r.Secrets.Add(t.AccessToken, t.RefreshToken)
	}
	return t, r.checkFresh(t, src.MinValidity)
}

// CacheKey is the cache entry src's tokens live in; ok is false when src
// names no source and no key is in the environment (the CLI session's
// tokens are not cached). It is the one place that says which entry
// belongs to a source: Resolve uses it, and so does cache-delete.
func (r *Resolver) CacheKey(src Source) (k cache.Key, ok bool, err error) {
	c, found, err := r.read(src, false)
	return c.key, found, err
}

// credential is a source read: the cache key of its tokens, how to fetch
// a new one, and the IAM it comes from.
type credential struct {
	key   cache.Key
	fetch func() (token.Token, error)
	iam   *token.IAM
}

// read reads the source src names; found is false when it names none and
// no key is in the environment. Keys typed on the command line are
// pointed out when alert is set, that is when they are about to be used.
func (r *Resolver) read(src Source, alert bool) (c credential, found bool, err error) {
	if src.Workload() {
		if c.iam, err = r.iam(); err != nil {
			return c, false, err
		}
		c, err = r.workload(src, c.iam, alert)
		return c, err == nil, err
	}
	key, found, err := r.apiKey(src)
	if err != nil {
		return c, false, err
	}
	if alert && key.Literal() {
		r.Notify.Alert("warn_apikey_visible", nil)
	}
	if !found {
		return c, false, nil
	}
	r.Secrets.Add(key.Value)
	if c.iam, err = r.iam(); err != nil {
		return c, false, err
	}
	iam := c.iam
	c.key = cache.Key{Endpoint: iam.URL, APIKey: key.Value}
	scope := c.key.Scope
	c.fetch = func() (token.Token, error) { return iam.FromAPIKey(key.Value, scope) }
	return c, true, nil
}

// workload reads a trusted-profile source: a compute resource token
// (--cr-token), the VPC instance's identity (--vpc), or an API key
// assuming the profile (--apikey or IBMCLOUD_API_KEY with --profile). The
// credential itself is never written: its hash names the cache entry.
func (r *Resolver) workload(src Source, iam *token.IAM, alert bool) (c credential, err error) {
	c.iam = iam
	profile := token.ParseProfile(src.Profile)
	switch {
	case src.CRTokenSet && src.VPC:
		return c, failure.Usagef("usage_source_both", nil)
	case (src.CRTokenSet || src.VPC) && profile.String() == "":
		flag := "--vpc"
		if src.CRTokenSet {
			flag = "--cr-token"
		}
		return c, failure.Usagef("usage_profile_required", map[string]any{"Flag": flag})
	}
	switch {
	case src.CRTokenSet:
		cr, err := apikey.FromOption("--cr-token", src.CRToken, r.Stdin)
		if err != nil {
			return c, err
		}
		if alert && cr.Literal() {
			r.Notify.Alert("warn_cr_token_visible", nil)
		}
		r.Secrets.Add(cr.Value)
		c.key = cache.Key{Endpoint: iam.URL, APIKey: cr.Value, Source: "cr-token " + profile.String()}
		c.fetch = func() (token.Token, error) { return iam.FromCRToken(cr.Value, profile) }
	case src.VPC:
		url := strings.TrimSpace(r.Getenv("IBMCLOUD_CR_VPC_URL"))
		c.key = cache.Key{Endpoint: iam.URL, APIKey: "vpc " + url, Source: "vpc " + profile.String()}
		if url != "" {
			if url, err = endpoint.Metadata(url, "IBMCLOUD_CR_VPC_URL"); err != nil {
				return c, err
			}
		}
		c.fetch = func() (token.Token, error) { return iam.FromVPC(url, profile) }
	default:
		key, found, err := r.apiKey(src)
		if err != nil {
			return c, err
		}
		if !found {
			return c, failure.Usagef("usage_profile_needs_source", nil)
		}
		if alert && key.Literal() {
			r.Notify.Alert("warn_apikey_visible", nil)
		}
		r.Secrets.Add(key.Value)
		account := strings.TrimSpace(src.Account)
		if account == "" && r.Session != nil {
			account = r.Session.CurrentAccount().GUID
		}
		c.key = cache.Key{Endpoint: iam.URL, APIKey: key.Value, Source: "assume " + profile.String() + " " + account}
		c.fetch = func() (token.Token, error) { return iam.FromAssume(key.Value, profile, account) }
	}
	return c, nil
}

// apiKey reads --apikey, else IBMCLOUD_API_KEY, else BLUEMIX_API_KEY.
func (r *Resolver) apiKey(src Source) (apikey.Key, bool, error) {
	if src.APIKeySet {
		k, err := apikey.FromFlag(src.APIKey, r.Stdin)
		return k, err == nil, err
	}
	for _, name := range []string{"IBMCLOUD_API_KEY", "BLUEMIX_API_KEY"} {
		if v := r.Getenv(name); v != "" {
			k, err := apikey.FromEnv(v)
			return k, err == nil, err
		}
	}
	return apikey.Key{}, false, nil
}

// session is the CLI session's token, renewed when it expires within
// minValidity. An IAM endpoint that cannot be used only matters then: a
// fresh token needs no network.
func (r *Resolver) session(minValidity time.Duration) (token.Token, error) {
	if r.Session == nil {
		return token.Token{}, failure.New("session_none", nil).WithRemedy("session_none_remedy", nil)
	}
	url, endpointErr := r.Endpoint()
	t, _, err := token.FromSession(r.Session, token.SessionRequest{Renewer: r.Renewer,
		MinValidity: minValidity, Now: r.Now(), URL: url, Timeout: r.Timeout, EndpointErr: endpointErr,
	})
	return t, err
}

// iam is the IAM client for the run's endpoint.
func (r *Resolver) iam() (*token.IAM, error) {
	url, err := r.Endpoint()
	if err != nil {
		return nil, err
	}
	return &token.IAM{URL: url, Client: r.HTTPClient(r.Timeout), Timeout: r.Timeout}, nil
}

// checkFresh fails when t cannot stay valid for minValidity because its
// issuer makes shorter-lived tokens.
func (r *Resolver) checkFresh(t token.Token, minValidity time.Duration) error {
	if t.ExpiresAt().Sub(r.Now()) <= minValidity {
		return token.CheckLifetime(t, minValidity)
	}
	return nil
}
