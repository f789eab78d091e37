package cmd

import (
	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

// GetOptions are the inputs of 'kp-token get'.
type GetOptions struct {
	outputOptions
	sourceOptions
	targetOptions
	File  string
	Shell string
}

// NewCmdGet builds 'kp-token get'.
func NewCmdGet(d *Deps) *cobra.Command { return newCmdGet(d, &GetOptions{}, RunGet) }

// newCmdGet fills opts from the command line and hands them to run.
func newCmdGet(d *Deps, opts *GetOptions, run func(*Deps, *GetOptions) error) *cobra.Command {
	c := &cobra.Command{
		Use:         "get",
		Short:       "get_description",
		Long:        paragraphs("get_long", "output_forms"),
		Annotations: annotate("get_usage"),
		Args:        noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.sourceOptions.bind(c)
			return run(d, opts)
		},
	}
	addSourceFlags(c, d, &opts.sourceOptions)
	addTargetFlags(c, d, &opts.targetOptions)
	c.Flags().StringVar(&opts.File, "file", "", "flag_get_file")
	c.Flags().StringVar(&opts.Shell, "shell", "", "flag_shell")
	addOutputFlags(c, d, &opts.outputOptions, output.TokenFormats)
	return c
}

func addOutputFlags(c *cobra.Command, d *Deps, o *outputOptions, formats []output.Format) {
	o.formats = formats
	help := "flag_output_json"
	if len(formats) > 1 {
		help = "flag_output"
	}
	c.Flags().StringVar(&o.Output, "output", "", help)
	_ = c.Flags().SetAnnotation("output", cmdutil.FormatsAnnotation, []string{formatList(formats)})
	c.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "flag_quiet")
}

// RunGet prints a token from the first source that applies: --apikey,
// IBMCLOUD_API_KEY, the CLI session.
func RunGet(d *Deps, opts *GetOptions) error {
	opts.formats = output.TokenFormats
	p, err := opts.printer(d)
	if err != nil {
		return err
	}
	if p.Shell, err = output.ParseShell(opts.Shell); err != nil {
		return err
	}
	// Usage errors first: a bad instance ID must not cost an IAM call.
	need := targetNeeds{endpoint: p.Format == output.Env, instance: p.Format == output.Header || p.Format == output.Env}
	t, target, _, err := tokenFor(d, p, &opts.sourceOptions, &opts.targetOptions, need, nil)
	if err != nil {
		return err
	}
	return deliver(d, p, t, target.Target, opts.File, "file_written")
}

// deliver prints t; with a file it writes t there first. In human form the
// file is the result and stderr confirms it (no token on the screen); the
// other forms still print, so a script can write the file and use the
// header in one call.
func deliver(d *Deps, p *output.Printer, t token.Token, target output.Target, file, confirmID string) error {
	if file == "" {
		return p.Token(t, target)
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
	return p.Token(t, target)
}
