// Package refresh is 'kp-token refresh': a token file or the CLI session
// renewed with its refresh token.
package refresh

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
)

// RefreshOptions are the inputs of 'kp-token refresh'.
type RefreshOptions struct {
	IO          cmdutil.IOStreams
	Translator  *i18n.Translator
	Now         func() time.Time
	CLIQuiet    bool
	Credentials func(cmdutil.Notifier) *credential.Resolver

	Output cmdutil.OutputFlags
	File   string
	// MinValidity, when set, renews only a token that expires within it.
	MinValidity    time.Duration
	MinValiditySet bool
}

// NewCmdRefresh builds 'kp-token refresh'; runF, when set, runs instead of
// the command.
func NewCmdRefresh(f *cmdutil.Factory, runF func(*RefreshOptions) error) *cobra.Command {
	opts := &RefreshOptions{IO: f.IO, Translator: f.Translator, Now: f.Now, CLIQuiet: f.Quiet, Credentials: f.Credentials}
	h := f.Help
	c := &cobra.Command{
		Use:         "refresh",
		Short:       h.T("refresh_description"),
		Long:        h.T("refresh_long"),
		Annotations: h.Usage("refresh_usage"),
		Args:        cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.MinValiditySet = c.Flags().Changed("min-validity")
			if runF != nil {
				return runF(opts)
			}
			return refreshRun(opts)
		},
	}
	c.Flags().StringVar(&opts.File, "file", "", h.T("flag_refresh_file"))
	c.Flags().DurationVar(&opts.MinValidity, "min-validity", 0, h.T("flag_refresh_min_validity"))
	cmdutil.AddOutputFlags(c, h, &opts.Output, output.RenewFormats)
	return c
}

// refreshRun renews the token in a token file with its refresh token, or
// the CLI session's token.
func refreshRun(opts *RefreshOptions) error {
	if opts.MinValidity < 0 {
		return failure.Usagef("usage_invalid_value", map[string]any{"Value": opts.MinValidity.String(), "Flag": "--min-validity"})
	}
	p, err := opts.Output.Printer(opts.IO, opts.Translator, opts.CLIQuiet, opts.Now)
	if err != nil {
		return err
	}
	creds := opts.Credentials(cmdutil.Notices{P: p})
	if opts.File == "" {
		t, err := creds.RenewSession(opts.MinValidity, !opts.MinValiditySet)
		if err != nil {
			return err
		}
		return p.Token(t, output.Target{})
	}
	t, kept, err := creds.RenewFile(opts.File, opts.MinValidity, opts.MinValiditySet)
	if err != nil {
		return err
	}
	if kept {
		p.Notice(opts.Translator.T("file_still_valid", map[string]any{"Path": opts.File, "Expiry": p.Expiry(t.ExpiresAt())}))
		if p.Format == output.Human {
			return nil
		}
		return p.Token(t, output.Target{})
	}
	return cmdutil.Deliver(p, opts.Now, t, output.Target{}, opts.File, "file_renewed")
}
