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

// GetOptions are the inputs of 'kp-token get'.
type GetOptions struct {
	outputOptions
	APIKey      string
	APIKeySet   bool
	MinValidity time.Duration
	File        string
	NoCache     bool
	CacheWait   time.Duration
}

// DefaultCacheWait bounds how long a get waits for another process that is
// renewing the same cached token.
const DefaultCacheWait = 30 * time.Second

// NewCmdGet builds 'kp-token get'.
func NewCmdGet(d *Deps) *cobra.Command {
	opts := &GetOptions{}
	c := &cobra.Command{
		Use:         "get",
		Short:       d.T.T("get_description"),
		Long:        d.T.T("get_long"),
		Annotations: annotate(d.T.T("get_usage")),
		Args:        noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.APIKeySet = c.Flags().Changed("apikey")
			return RunGet(d, opts)
		},
	}
	c.Flags().StringVar(&opts.APIKey, "apikey", "", d.T.T("flag_apikey"))
	c.Flags().DurationVar(&opts.MinValidity, "min-validity", DefaultMinValidity, d.T.T("flag_min_validity"))
	c.Flags().StringVar(&opts.File, "file", "", d.T.T("flag_get_file"))
	c.Flags().BoolVar(&opts.NoCache, "no-cache", false, d.T.T("flag_no_cache"))
	c.Flags().DurationVar(&opts.CacheWait, "cache-wait", DefaultCacheWait, d.T.T("flag_cache_wait"))
	addOutputFlags(c, d, &opts.outputOptions)
	metavar(c, "apikey", d.T.T("metavar_key"))
	metavar(c, "cache-wait", d.T.T("metavar_duration"))
	metavar(c, "min-validity", d.T.T("metavar_duration"))
	metavar(c, "file", d.T.T("metavar_file"))
	return c
}

func addOutputFlags(c *cobra.Command, d *Deps, o *outputOptions) {
	c.Flags().StringVar(&o.Output, "output", "", d.T.T("flag_output"))
	c.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, d.T.T("flag_quiet"))
	metavar(c, "output", d.T.T("metavar_format"))
}

// RunGet prints a token from the first source that applies: --apikey,
// IBMCLOUD_API_KEY, the CLI session.
func RunGet(d *Deps, opts *GetOptions) error {
	p, err := opts.printer(d)
	if err != nil {
		return err
	}
	if opts.MinValidity < 0 {
		return failure.Usagef("usage_invalid_value", map[string]any{"Value": opts.MinValidity.String(), "Flag": "--min-validity"})
	}
	if opts.CacheWait < 0 {
		return failure.Usagef("usage_invalid_value", map[string]any{"Value": opts.CacheWait.String(), "Flag": "--cache-wait"})
	}
	key, haveKey, err := resolveKey(d, opts)
	if err != nil {
		return err
	}
	if key.Literal() {
		p.Warn(d.T.T("warn_apikey_visible"))
	}
	var t token.Token
	if haveKey {
		d.Secrets.Add(key.Value)
		iam, err := d.IAM()
		if err != nil {
			return err
		}
		t, err = cachedAPIKeyToken(d, p, iam, key.Value, opts)
		if err != nil {
			return err
		}
	} else {
		if d.Context == nil {
			return failure.New("session_none", nil).WithRemedy("session_none_remedy", nil)
		}
		url, endpointErr := d.iamURL()
		t, _, err = token.FromSession(d.Context, token.SessionRequest{
			MinValidity: opts.MinValidity, Now: d.Now(), URL: url, Timeout: d.Timeout(), EndpointErr: endpointErr,
		})
	}
	if err != nil {
		return err
	}
	d.Secrets.Add(t.AccessToken, t.RefreshToken)
	return deliver(d, p, t, opts.File, "file_written")
}

// deliver prints t; with a file it writes t there first. In human form the
// file is the result and stderr confirms it (no token on the screen); -q and
// --output json still print the token, so a script can write the file and
// use the header in one call.
func deliver(d *Deps, p *output.Printer, t token.Token, file, confirmID string) error {
	if file == "" {
		return p.Token(t)
	}
	doc, err := t.JSON(d.Now())
	if err != nil {
		return err
	}
	if err := token.WriteFile(file, doc); err != nil {
		return err
	}
	p.Notice(d.T.T(confirmID, map[string]any{"Path": file, "Expiry": p.Expiry(t.ExpiresAt())}))
	if p.Format == output.Human {
		return nil
	}
	return p.Token(t)
}

func resolveKey(d *Deps, opts *GetOptions) (apikey.Key, bool, error) {
	if opts.APIKeySet {
		k, err := apikey.FromFlag(opts.APIKey, d.IO.In)
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
