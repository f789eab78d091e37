package instances

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/target"
)

// UseOptions are the inputs of 'kp-token instances use'.
type UseOptions struct {
	IO          cmdutil.IOStreams
	Translator  *i18n.Translator
	Now         func() time.Time
	CLIQuiet    bool
	Credentials func(cmdutil.Notifier) *credential.Resolver
	Targets     func(cmdutil.Notifier) *target.Resolver

	Source credential.Source
	// Instance is the name, CRN or GUID to remember; Clear forgets instead.
	Instance string
	Clear    bool
	Region   string
	Quiet    bool
}

// NewCmdUse builds 'kp-token instances use'; runF, when set, runs instead
// of the command.
func NewCmdUse(f *cmdutil.Factory, runF func(*UseOptions) error) *cobra.Command {
	opts := &UseOptions{IO: f.IO, Translator: f.Translator, Now: f.Now, CLIQuiet: f.Quiet,
		Credentials: f.Credentials, Targets: f.Targets}
	h := f.Help
	c := &cobra.Command{
		Use:         "use",
		Short:       h.T("instances_use_description"),
		Long:        h.T("instances_use_long"),
		Annotations: h.Usage("instances_use_usage"),
		Args: func(c *cobra.Command, args []string) error {
			clear := c.Flags().Changed("clear")
			switch {
			case len(args) > 1:
				return failure.Usagef("usage_unexpected_arg", nil)
			case len(args) == 1 && clear:
				return failure.Usagef("instances_use_both", nil)
			case len(args) == 0 && !clear:
				return failure.Usagef("instances_use_none", nil)
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmdutil.BindSource(c, &opts.Source)
			if len(args) == 1 {
				opts.Instance = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return useRun(c.Context(), opts)
		},
	}
	addSourceFlags(c, h, &opts.Source)
	c.Flags().BoolVar(&opts.Clear, "clear", false, h.T("flag_instances_use_clear"))
	c.Flags().StringVar(&opts.Region, "region", "", h.T("flag_instances_use_region"))
	c.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, h.T("flag_instances_quiet"))
	return c
}

// useRun remembers the instance named for the account and its region, or
// forgets the one remembered, and says so on stderr: it prints no data.
func useRun(ctx context.Context, opts *UseOptions) error {
	p := &output.Printer{Out: opts.IO.Out, Err: opts.IO.ErrOut, Translator: opts.Translator,
		Quiet: opts.Quiet || opts.CLIQuiet, Now: opts.Now}
	n := cmdutil.Notices{P: p}
	t, err := opts.Credentials(n).Resolve(ctx, opts.Source)
	if err != nil {
		return err
	}
	targets := opts.Targets(n)
	if opts.Clear {
		account, region, found, err := targets.Forget(opts.Region, t)
		switch {
		case err != nil:
			return err
		case found:
			n.Notice("instances_use_cleared", map[string]any{"Region": region, "Account": account})
		default:
			n.Notice("instances_use_nothing", map[string]any{"Region": region, "Account": account})
		}
		return nil
	}
	inst, err := targets.Use(ctx, opts.Instance, opts.Region, t)
	if err != nil {
		return err
	}
	n.Notice("instances_use_done", map[string]any{"Name": output.SafeLine(inst.Name), "ID": inst.GUID,
		"Region": inst.Region, "Account": targets.Account(t)})
	return nil
}
