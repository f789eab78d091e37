// Package get is 'kp-token get': a token for Key Protect API calls, in
// the form a person or a script wants it.
package get

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/target"
	"github.com/kp-token/kp-token/plugin/token"
)

// GetOptions are the inputs of 'kp-token get'.
type GetOptions struct {
	IO          cmdutil.IOStreams
	Translator  *i18n.Translator
	Now         func() time.Time
	CLIQuiet    bool
	Credentials func(cmdutil.Notifier) *credential.Resolver
	Targets     func(cmdutil.Notifier) *target.Resolver

	Output cmdutil.OutputFlags
	Source credential.Source
	Target target.Request
	File   string
	Shell  string
}

// NewCmdGet builds 'kp-token get'; runF, when set, runs instead of the
// command (tests of the options).
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IO, Translator: f.Translator, Now: f.Now, CLIQuiet: f.Quiet, Credentials: f.Credentials, Targets: f.Targets}
	h := f.Help
	c := &cobra.Command{
		Use:         "get",
		Short:       h.T("get_description"),
		Long:        h.Paragraphs("get_long", "output_forms"),
		Annotations: h.Usage("get_usage"),
		Args:        cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cmdutil.BindSource(c, &opts.Source)
			if runF != nil {
				return runF(opts)
			}
			return getRun(c.Context(), opts)
		},
	}
	cmdutil.AddSourceFlags(c, h, &opts.Source)
	cmdutil.AddTargetFlags(c, h, &opts.Target)
	c.Flags().StringVar(&opts.File, "file", "", h.T("flag_get_file"))
	c.Flags().StringVar(&opts.Shell, "shell", "", h.T("flag_shell"))
	cmdutil.AddOutputFlags(c, h, &opts.Output, output.TokenFormats)
	return c
}

// getRun prints a token from the first source that applies, with the
// instance and endpoint the form needs.
func getRun(ctx context.Context, opts *GetOptions) error {
	p, err := opts.Output.Printer(opts.IO, opts.Translator, opts.CLIQuiet, opts.Now)
	if err != nil {
		return err
	}
	if p.Shell, err = output.ParseShell(opts.Shell); err != nil {
		return err
	}
	needs := target.Needs{Endpoint: p.Format == output.Env, Instance: p.Format == output.Header || p.Format == output.Env}
	n := cmdutil.Notices{P: p}
	creds := opts.Credentials(n)
	t, tgt, err := opts.Targets(n).With(ctx, opts.Target, needs, nil, func(ctx context.Context) (token.Token, error) {
		return creds.Resolve(ctx, opts.Source)
	})
	if err != nil {
		return err
	}
	return cmdutil.Deliver(p, opts.Now, t, tgt.Target, opts.File, "file_written")
}
