package cmd

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

// RefreshOptions are the inputs of 'kp-token refresh'.
type RefreshOptions struct {
	outputOptions
	File string
	// MinValidity, when set, renews only a token that expires within it.
	MinValidity    time.Duration
	MinValiditySet bool
}

// NewCmdRefresh builds 'kp-token refresh'.
func NewCmdRefresh(d *Deps) *cobra.Command {
	opts := &RefreshOptions{}
	c := &cobra.Command{
		Use:         "refresh",
		Short:       "refresh_description",
		Long:        "refresh_long",
		Annotations: annotate("refresh_usage"),
		Args:        noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.MinValiditySet = c.Flags().Changed("min-validity")
			return RunRefresh(d, opts)
		},
	}
	c.Flags().StringVar(&opts.File, "file", "", "flag_refresh_file")
	c.Flags().DurationVar(&opts.MinValidity, "min-validity", 0, "flag_refresh_min_validity")
	addOutputFlags(c, d, &opts.outputOptions, output.RenewFormats)
	return c
}

// RunRefresh renews the token in a token file with its refresh token, or
// the CLI session's token.
func RunRefresh(d *Deps, opts *RefreshOptions) error {
	opts.formats = output.RenewFormats
	if opts.MinValidity < 0 {
		return failure.Usagef("usage_invalid_value", map[string]any{"Value": opts.MinValidity.String(), "Flag": "--min-validity"})
	}
	p, err := opts.printer(d)
	if err != nil {
		return err
	}
	iam, err := d.IAM()
	if err != nil {
		return err
	}
	if opts.File == "" {
		if d.Context == nil {
			return failure.New("session_none", nil).WithRemedy("session_none_remedy", nil)
		}
		t, _, err := token.FromSession(d.Context, token.SessionRequest{Renewer: d.Renewer,
			Force: !opts.MinValiditySet, MinValidity: opts.MinValidity, Now: d.Now(), URL: iam.URL, Timeout: iam.Timeout,
		})
		if err != nil {
			return err
		}
		d.Secrets.Add(t.AccessToken)
		return p.Token(t, output.Target{})
	}
	old, err := token.ReadFile(opts.File)
	if err != nil {
		return err
	}
	d.Secrets.Add(old.AccessToken, old.RefreshToken)
	path := map[string]any{"Path": opts.File}
	if opts.MinValiditySet && old.Expiration > 0 && old.ExpiresAt().Sub(d.Now()) > opts.MinValidity {
		// Still fresh enough: a cron job running every few minutes costs
		// IAM nothing until the token is due.
		p.Notice(d.T.T("file_still_valid", map[string]any{"Path": opts.File, "Expiry": p.Expiry(old.ExpiresAt())}))
		if p.Format == output.Human {
			return nil
		}
		return p.Token(old, output.Target{})
	}
	switch old.RefreshToken {
	case "":
		return failure.New("refresh_token_missing", path).WithRemedy("refresh_token_missing_remedy", path)
	case "not_supported":
		// The page's curl sends no client ID, and IAM then issues no usable
		// refresh token.
		return failure.New("refresh_token_not_supported", path).WithRemedy("refresh_token_missing_remedy", path)
	}
	t, err := iam.FromRefreshToken(old.RefreshToken)
	if err != nil {
		if failure.Is(err, failure.KindExpired, failure.KindInvalid) {
			f, _ := failure.As(err)
			f.WithRemedy("refresh_token_missing_remedy", path)
		}
		return err
	}
	if t.RefreshToken == "" {
		t.RefreshToken = old.RefreshToken
	}
	d.Secrets.Add(t.AccessToken, t.RefreshToken)
	return deliver(d, p, t, output.Target{}, opts.File, "file_renewed")
}
