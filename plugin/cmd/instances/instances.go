// Package instances is 'kp-token instances': every Key Protect instance
// of the account, with the one commands use marked, and 'instances use',
// which remembers the one to use for an account and region.
package instances

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/target"
)

// InstancesOptions are the inputs of 'kp-token instances'.
type InstancesOptions struct {
	IO          cmdutil.IOStreams
	Translator  *i18n.Translator
	Now         func() time.Time
	CLIQuiet    bool
	Credentials func(cmdutil.Notifier) *credential.Resolver
	Targets     func(cmdutil.Notifier) *target.Resolver

	Output cmdutil.OutputFlags
	Source credential.Source
}

// NewCmdInstances builds 'kp-token instances' and its 'use'; runF, when
// set, runs instead of the listing.
func NewCmdInstances(f *cmdutil.Factory, runF func(*InstancesOptions) error) *cobra.Command {
	opts := &InstancesOptions{IO: f.IO, Translator: f.Translator, Now: f.Now, CLIQuiet: f.Quiet,
		Credentials: f.Credentials, Targets: f.Targets}
	h := f.Help
	c := &cobra.Command{
		Use:         "instances",
		Short:       h.T("instances_description"),
		Long:        h.T("instances_long"),
		Annotations: h.Usage("instances_usage"),
		Args:        cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cmdutil.BindSource(c, &opts.Source)
			if runF != nil {
				return runF(opts)
			}
			return instancesRun(c.Context(), opts)
		},
	}
	addSourceFlags(c, h, &opts.Source)
	cmdutil.AddOutputFlags(c, h, &opts.Output, output.JSONOnly)
	c.Flags().Lookup("quiet").Usage = h.T("flag_instances_quiet")
	c.AddCommand(NewCmdUse(f, nil))
	return c
}

// addSourceFlags adds the token sources 'instances' and 'use' take: an
// API key or a trusted profile, else the CLI session; the cache's
// settings are get's defaults.
func addSourceFlags(c *cobra.Command, h *cmdutil.Help, s *credential.Source) {
	s.MinValidity, s.CacheWait = credential.DefaultMinValidity, credential.DefaultCacheWait
	c.Flags().StringVar(&s.APIKey, "apikey", "", h.T("flag_apikey"))
	cmdutil.AddWorkloadFlags(c, h, s)
}

// instanceJSON is an instance in --output json.
type instanceJSON struct {
	Name              string `json:"name"`
	GUID              string `json:"guid"`
	CRN               string `json:"crn"`
	Region            string `json:"region"`
	ResourceGroupID   string `json:"resource_group_id"`
	ResourceGroupName string `json:"resource_group_name"`
	Default           bool   `json:"default"`
}

// instancesRun lists the account's Key Protect instances.
func instancesRun(ctx context.Context, opts *InstancesOptions) error {
	p, err := opts.Output.Printer(opts.IO, opts.Translator, opts.CLIQuiet, opts.Now)
	if err != nil {
		return err
	}
	n := cmdutil.Notices{P: p}
	t, err := opts.Credentials(n).Resolve(ctx, opts.Source)
	if err != nil {
		return err
	}
	l, err := opts.Targets(n).Instances(ctx, t)
	if err != nil {
		return err
	}
	if p.Format == output.JSON {
		list := make([]instanceJSON, len(l.Instances))
		for i, inst := range l.Instances {
			list[i] = instanceJSON{Name: inst.Name, GUID: inst.GUID, CRN: inst.CRN, Region: inst.Region,
				ResourceGroupID: inst.ResourceGroup, ResourceGroupName: inst.GroupName, Default: inst.Default}
		}
		err = cmdutil.WriteJSON(opts.IO.Out, list)
	} else if len(l.Instances) > 0 {
		err = writeTable(opts.IO.Out, l.Instances)
	}
	if err != nil {
		return err
	}
	tellAbout(n, opts.Translator, l)
	return nil
}

// tellAbout says, after the list, what the list alone does not: none was
// found, some were left out, which one is marked and why, or why commands
// would refuse to pick one.
func tellAbout(n cmdutil.Notices, t *i18n.Translator, l target.Listing) {
	if len(l.Instances) == 0 {
		n.Notice("instances_none", nil)
	}
	if l.More {
		n.Notice("instances_more", map[string]any{"Count": len(l.Instances)})
	}
	if l.Legend != "" {
		n.Notice(l.Legend, l.LegendData)
	}
	if f, ok := failure.As(l.Problem); ok {
		n.P.Warn(cmdutil.RenderFailure(t, f).Message(t, false))
	}
}

// writeTable writes the instances aligned by display width: a mark on the
// one commands use, the name, GUID, region and resource group (its ID when
// its name could not be read). The column names are field names, the same
// in every language, as the JSON's keys are; the names are the servers'
// and made one safe line each.
func writeTable(w io.Writer, list []target.Listed) error {
	rows := [][]string{{"", "NAME", "GUID", "REGION", "RESOURCE GROUP"}}
	for _, i := range list {
		mark, group := "", i.GroupName
		if i.Default {
			mark = "*"
		}
		if group == "" {
			group = i.ResourceGroup
		}
		rows = append(rows, []string{mark, i.Name, i.GUID, i.Region, group})
	}
	var b strings.Builder
	cmdutil.WriteTable(&b, rows)
	_, err := fmt.Fprint(w, b.String())
	return err
}
