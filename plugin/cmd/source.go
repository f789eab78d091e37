package cmd

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/apikey"
	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/endpoint"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

// DefaultMinValidity is how long a printed token must stay valid.
const DefaultMinValidity = 5 * time.Minute

// DefaultCacheWait bounds how long a command waits for another process that
// is renewing the same cached token.
const DefaultCacheWait = 30 * time.Second

// sourceOptions say where a token comes from and how fresh it must be;
// every command that obtains a token (get, exec, verify) shares them.
type sourceOptions struct {
	APIKey      string
	APIKeySet   bool
	CRToken     string
	CRTokenSet  bool
	VPC         bool
	Profile     string
	Account     string
	MinValidity time.Duration
	NoCache     bool
	CacheWait   time.Duration
}

func addSourceFlags(c *cobra.Command, d *Deps, o *sourceOptions) {
	c.Flags().StringVar(&o.APIKey, "apikey", "", "flag_apikey")
	c.Flags().DurationVar(&o.MinValidity, "min-validity", DefaultMinValidity, "flag_min_validity")
	c.Flags().BoolVar(&o.NoCache, "no-cache", false, "flag_no_cache")
	c.Flags().DurationVar(&o.CacheWait, "cache-wait", DefaultCacheWait, "flag_cache_wait")
	c.Flags().StringVar(&o.CRToken, "cr-token", "", "flag_cr_token")
	c.Flags().BoolVar(&o.VPC, "vpc", false, "flag_vpc")
	c.Flags().StringVar(&o.Profile, "profile", "", "flag_profile")
	c.Flags().StringVar(&o.Account, "account", "", "flag_account")
}

// bind records what Cobra knows only after parsing.
func (o *sourceOptions) bind(c *cobra.Command) {
	o.APIKeySet = c.Flags().Changed("apikey")
	o.CRTokenSet = c.Flags().Changed("cr-token")
}

// explicit reports whether a source other than the CLI session was named
// on the command line.
func (o *sourceOptions) explicit() bool { return o.APIKeySet || o.workload() }

// workload reports whether a trusted-profile source was asked for; these
// come first: --cr-token, --vpc, --profile.
func (o *sourceOptions) workload() bool {
	return o.CRTokenSet || o.VPC || strings.TrimSpace(o.Profile) != ""
}

func (o *sourceOptions) validate() error {
	if o.MinValidity < 0 {
		return failure.Usagef("usage_invalid_value", map[string]any{"Value": o.MinValidity.String(), "Flag": "--min-validity"})
	}
	if o.CacheWait < 0 {
		return failure.Usagef("usage_invalid_value", map[string]any{"Value": o.CacheWait.String(), "Flag": "--cache-wait"})
	}
	return nil
}

// obtainToken returns a token from the first source that applies:
// --apikey, IBMCLOUD_API_KEY, the CLI session.
func obtainToken(d *Deps, p *output.Printer, o *sourceOptions) (token.Token, error) {
	if err := o.validate(); err != nil {
		return token.Token{}, err
	}
	if o.workload() {
		t, err := workloadToken(d, p, o)
		if err != nil {
			return token.Token{}, err
		}
		d.Secrets.Add(t.AccessToken)
		return t, checkFresh(d, t, o)
	}
	key, haveKey, err := resolveKey(d, o.APIKey, o.APIKeySet)
	if err != nil {
		return token.Token{}, err
	}
	if key.Literal() {
		p.Alert(d.T.T("warn_apikey_visible"))
	}
	var t token.Token
	if haveKey {
		d.Secrets.Add(key.Value)
		iam, err := d.IAM()
		if err != nil {
			return token.Token{}, err
		}
		t, err = cachedAPIKeyToken(d, p, iam, key.Value, o)
		if err != nil {
			return token.Token{}, err
		}
	} else {
		if d.Context == nil {
			return token.Token{}, failure.New("session_none", nil).WithRemedy("session_none_remedy", nil)
		}
		url, endpointErr := d.iamURL()
		t, _, err = token.FromSession(d.Context, token.SessionRequest{Renewer: d.Renewer,
			MinValidity: o.MinValidity, Now: d.Now(), URL: url, Timeout: d.Timeout(), EndpointErr: endpointErr,
		})
		if err != nil {
			return token.Token{}, err
		}
	}
	d.Secrets.Add(t.AccessToken, t.RefreshToken)
	return t, checkFresh(d, t, o)
}

// checkFresh fails when t cannot stay valid for --min-validity because
// its issuer makes shorter-lived tokens.
func checkFresh(d *Deps, t token.Token, o *sourceOptions) error {
	if t.ExpiresAt().Sub(d.Now()) <= o.MinValidity {
		return token.CheckLifetime(t, o.MinValidity)
	}
	return nil
}

// workloadToken obtains a trusted profile's token without a CLI session:
// from a compute resource token (--cr-token), the VPC instance's identity
// (--vpc), or an API key assuming the profile (--apikey or
// IBMCLOUD_API_KEY with --profile). Tokens are cached like API-key tokens;
// the credential itself is never written.
func workloadToken(d *Deps, p *output.Printer, o *sourceOptions) (token.Token, error) {
	iam, err := d.IAM()
	if err != nil {
		return token.Token{}, err
	}
	k, fetch, err := workloadSource(d, p, o, iam)
	if err != nil {
		return token.Token{}, err
	}
	return cachedToken(d, p, iam, k, fetch, o)
}

// workloadSource reads a trusted-profile source: the cache key of its
// tokens and how to fetch one. cache-delete uses the key alone.
func workloadSource(d *Deps, p *output.Printer, o *sourceOptions, iam *token.IAM) (k cache.Key, fetch func() (token.Token, error), err error) {
	profile := token.ParseProfile(o.Profile)
	switch {
	case o.CRTokenSet && o.VPC:
		return k, nil, failure.Usagef("usage_source_both", nil)
	case (o.CRTokenSet || o.VPC) && profile.String() == "":
		return k, nil, failure.Usagef("usage_profile_required", map[string]any{"Flag": map[bool]string{true: "--cr-token", false: "--vpc"}[o.CRTokenSet]})
	}
	switch {
	case o.CRTokenSet:
		cr, err := apikey.FromFlag(o.CRToken, d.IO.In)
		if err != nil {
			return k, nil, err
		}
		if cr.Literal() {
			p.Alert(d.T.T("warn_cr_token_visible"))
		}
		d.Secrets.Add(cr.Value)
		k = cache.Key{Endpoint: iam.URL, APIKey: cr.Value, Source: "cr-token " + profile.String()}
		fetch = func() (token.Token, error) { return iam.FromCRToken(cr.Value, profile) }
	case o.VPC:
		url := strings.TrimSpace(d.Getenv("IBMCLOUD_CR_VPC_URL"))
		k = cache.Key{Endpoint: iam.URL, APIKey: "vpc " + url, Source: "vpc " + profile.String()}
		if url != "" {
			if url, err = endpoint.Metadata(url, "IBMCLOUD_CR_VPC_URL"); err != nil {
				return k, nil, err
			}
		}
		fetch = func() (token.Token, error) { return iam.FromVPC(url, profile) }
	default:
		key, haveKey, err := resolveKey(d, o.APIKey, o.APIKeySet)
		if err != nil {
			return k, nil, err
		}
		if !haveKey {
			return k, nil, failure.Usagef("usage_profile_needs_source", nil)
		}
		if key.Literal() {
			p.Alert(d.T.T("warn_apikey_visible"))
		}
		d.Secrets.Add(key.Value)
		account := strings.TrimSpace(o.Account)
		if account == "" && d.Context != nil {
			account = d.Context.CurrentAccount().GUID
		}
		k = cache.Key{Endpoint: iam.URL, APIKey: key.Value, Source: "assume " + profile.String() + " " + account}
		fetch = func() (token.Token, error) { return iam.FromAssume(key.Value, profile, account) }
	}
	return k, fetch, nil
}

func resolveKey(d *Deps, flag string, set bool) (apikey.Key, bool, error) {
	if set {
		k, err := apikey.FromFlag(flag, d.IO.In)
		return k, err == nil, err
	}
	for _, name := range []string{"IBMCLOUD_API_KEY", "BLUEMIX_API_KEY"} {
		if v := d.Getenv(name); v != "" {
			k, err := apikey.FromEnv(v)
			return k, err == nil, err
		}
	}
	return apikey.Key{}, false, nil
}
