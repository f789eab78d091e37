package cmdutil

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/target"
)

// OutputFlags are --output and -q, which most commands have, and the forms
// --output takes there.
type OutputFlags struct {
	Output  string
	Quiet   bool
	Formats []output.Format
}

// AddOutputFlags adds --output (the given forms) and -q to c.
func AddOutputFlags(c *cobra.Command, h *Help, o *OutputFlags, formats []output.Format) {
	o.Formats = formats
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.Name()
	}
	help := "flag_output_json"
	if len(formats) > 1 {
		help = "flag_output"
	}
	c.Flags().StringVar(&o.Output, "output", "", h.T(help, map[string]any{"Formats": strings.Join(names, ", ")}))
	c.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, h.T("flag_quiet"))
}

// Printer builds the printer the flags ask for: -q picks the quiet form
// and hides notices; the CLI's quiet mode (quiet, IBMCLOUD_QUIET) only
// hides notices, as the SDK's UI does, and never changes what goes to
// stdout.
func (o OutputFlags) Printer(io IOStreams, t *i18n.Translator, quiet bool, now func() time.Time) (*output.Printer, error) {
	f, err := output.ParseFormat(o.Output, o.Quiet, o.Formats)
	if err != nil {
		return nil, err
	}
	return &output.Printer{Out: io.Out, Err: io.ErrOut, Translator: t, Format: f, Quiet: o.Quiet || quiet, Now: now}, nil
}

// AddSourceFlags adds every option that says where a token comes from
// and how fresh it must be: the commands that hand a token over (get,
// exec).
func AddSourceFlags(c *cobra.Command, h *Help, s *credential.Source) {
	AddAPIKeyFlag(c, h, s)
	c.Flags().DurationVar(&s.MinValidity, "min-validity", credential.DefaultMinValidity, h.T("flag_min_validity"))
	c.Flags().BoolVar(&s.NoCache, "no-cache", false, h.T("flag_no_cache"))
	c.Flags().DurationVar(&s.CacheWait, "cache-wait", credential.DefaultCacheWait, h.T("flag_cache_wait"))
	AddWorkloadFlags(c, h, s)
}

// AddAPIKeyFlag adds --apikey, and gives s the default freshness and
// cache wait, which commands without those options use.
func AddAPIKeyFlag(c *cobra.Command, h *Help, s *credential.Source) {
	s.MinValidity, s.CacheWait = credential.DefaultMinValidity, credential.DefaultCacheWait
	c.Flags().StringVar(&s.APIKey, "apikey", "", h.T("flag_apikey"))
}

// AddWorkloadFlags adds the options that name a trusted profile's source.
func AddWorkloadFlags(c *cobra.Command, h *Help, s *credential.Source) {
	c.Flags().StringVar(&s.CRToken, "cr-token", "", h.T("flag_cr_token"))
	c.Flags().BoolVar(&s.VPC, "vpc", false, h.T("flag_vpc"))
	AddProfileFlags(c, h, s)
}

// AddProfileFlags adds --profile and --account: the trusted profile an API
// key assumes.
func AddProfileFlags(c *cobra.Command, h *Help, s *credential.Source) {
	c.Flags().StringVar(&s.Profile, "profile", "", h.T("flag_profile"))
	c.Flags().StringVar(&s.Account, "account", "", h.T("flag_account"))
}

// BindSource records in s what Cobra knows only after parsing: whether
// --apikey and --cr-token were given (an empty value is a mistake, not
// their absence), and whether --min-validity was (the default adapts to
// short-lived tokens, a value the user chose does not).
func BindSource(c *cobra.Command, s *credential.Source) {
	s.APIKeySet = c.Flags().Changed("apikey")
	s.CRTokenSet = c.Flags().Changed("cr-token")
	s.MinValiditySet = c.Flags().Changed("min-validity")
}

// AddTargetFlags adds the options that say where a token is used.
func AddTargetFlags(c *cobra.Command, h *Help, r *target.Request) {
	AddInstanceFlags(c, h, r)
	c.Flags().StringVar(&r.Region, "region", "", h.T("flag_region"))
	c.Flags().StringVar(&r.Endpoint, "kp-endpoint", "", h.T("flag_kp_endpoint"))
}

// AddInstanceFlags adds --instance-id and --instance.
func AddInstanceFlags(c *cobra.Command, h *Help, r *target.Request) {
	c.Flags().StringVar(&r.InstanceID, "instance-id", "", h.T("flag_instance_id"))
	c.Flags().StringVar(&r.Instance, "instance", "", h.T("flag_instance"))
}
