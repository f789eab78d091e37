package cmd

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/apikey"
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
	MinValidity time.Duration
	NoCache     bool
	CacheWait   time.Duration
}

func addSourceFlags(c *cobra.Command, d *Deps, o *sourceOptions) {
	c.Flags().StringVar(&o.APIKey, "apikey", "", d.T.T("flag_apikey"))
	c.Flags().DurationVar(&o.MinValidity, "min-validity", DefaultMinValidity, d.T.T("flag_min_validity"))
	c.Flags().BoolVar(&o.NoCache, "no-cache", false, d.T.T("flag_no_cache"))
	c.Flags().DurationVar(&o.CacheWait, "cache-wait", DefaultCacheWait, d.T.T("flag_cache_wait"))
	metavar(c, "apikey", d.T.T("metavar_key"))
	metavar(c, "cache-wait", d.T.T("metavar_duration"))
	metavar(c, "min-validity", d.T.T("metavar_duration"))
}

// bind records what Cobra knows only after parsing.
func (o *sourceOptions) bind(c *cobra.Command) { o.APIKeySet = c.Flags().Changed("apikey") }

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
	if t.ExpiresAt().Sub(d.Now()) <= o.MinValidity {
		if err := token.CheckLifetime(t, o.MinValidity); err != nil {
			return token.Token{}, err
		}
	}
	return t, nil
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
