// Package cmd holds 'setup' while its steps move beside package serviceid;
// every other command has a folder of its own. The helpers below give
// setup.go the spelling it was written with, over cmdutil, credential and
// target.
package cmd

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/kp"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/target"
	"github.com/kp-token/kp-token/plugin/token"
)

// Deps is setup's view of the factory.
type Deps struct {
	IO         cmdutil.IOStreams
	T          *i18n.Translator
	Context    cmdutil.Context
	Getenv     func(string) string
	Now        func() time.Time
	HTTPClient func(timeout time.Duration) *http.Client
	Secrets    *failure.Secrets
	Quiet      bool
	Renewer    token.Renewer
	f          *cmdutil.Factory
}

// NewCmdSetupFrom builds 'kp-token setup' for the tree: its texts from
// f.Help, none for a run.
func NewCmdSetupFrom(f *cmdutil.Factory) *cobra.Command {
	d := &Deps{IO: f.IO, T: f.T, Context: f.Context, Getenv: f.Getenv, Now: f.Now, HTTPClient: f.HTTPClient,
		Secrets: f.Secrets, Quiet: f.Quiet, Renewer: f.Credentials(nil).Renewer, f: f}
	c := NewCmdSetup(d)
	h := f.Help
	c.Short, c.Long = h.T(c.Short), h.Paragraphs(strings.Fields(c.Long)...)
	c.Annotations = h.Usage(c.Annotations["usage"])
	c.Flags().VisitAll(func(fl *pflag.Flag) { fl.Usage = h.T(fl.Usage) })
	return c
}

// Timeout is the HTTP timeout.
func (d *Deps) Timeout() time.Duration { return d.f.Timeout }

func (d *Deps) iamURL() (string, error) { return d.f.Endpoint() }

// DefaultMinValidity is how long a printed token must stay valid.
const DefaultMinValidity = credential.DefaultMinValidity

type outputOptions struct {
	Output  string
	Quiet   bool
	formats []output.Format
}

func (o *outputOptions) printer(d *Deps) (*output.Printer, error) {
	return cmdutil.OutputFlags{Output: o.Output, Quiet: o.Quiet, Formats: o.formats}.Printer(d.IO, d.T, d.Quiet, d.Now)
}

func addOutputFlags(c *cobra.Command, _ *Deps, o *outputOptions, formats []output.Format) {
	o.formats = formats
	c.Flags().StringVar(&o.Output, "output", "", "flag_output_json")
	c.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "flag_quiet")
}

type sourceOptions struct{ credential.Source }

func addSourceFlags(c *cobra.Command, _ *Deps, o *sourceOptions) {
	c.Flags().StringVar(&o.APIKey, "apikey", "", "flag_apikey")
	c.Flags().DurationVar(&o.MinValidity, "min-validity", credential.DefaultMinValidity, "flag_min_validity")
	c.Flags().BoolVar(&o.NoCache, "no-cache", false, "flag_no_cache")
	c.Flags().DurationVar(&o.CacheWait, "cache-wait", credential.DefaultCacheWait, "flag_cache_wait")
	c.Flags().StringVar(&o.CRToken, "cr-token", "", "flag_cr_token")
	c.Flags().BoolVar(&o.VPC, "vpc", false, "flag_vpc")
	c.Flags().StringVar(&o.Profile, "profile", "", "flag_profile")
	c.Flags().StringVar(&o.Account, "account", "", "flag_account")
}

func (o *sourceOptions) bind(c *cobra.Command) { cmdutil.BindSource(c, &o.Source) }

func (o *sourceOptions) explicit() bool { return o.Explicit() }

func obtainToken(d *Deps, p *output.Printer, o *sourceOptions) (token.Token, error) {
	return d.f.Credentials(cmdutil.Notices{P: p}).Resolve(context.Background(), o.Source)
}

type targetOptions struct{ target.Request }

func addInstanceFlags(c *cobra.Command, _ *Deps, o *targetOptions) {
	c.Flags().StringVar(&o.InstanceID, "instance-id", "", "flag_instance_id")
	c.Flags().StringVar(&o.Instance, "instance", "", "flag_instance")
}

type instanceRef struct {
	inst kp.Instance
	name string
}

func (r instanceRef) given() bool { return r.inst.GUID != "" || r.name != "" }

func (o *targetOptions) parse(d *Deps) (instanceRef, error) {
	ref, err := d.f.Targets(nil).Parse(o.Request)
	return instanceRef{inst: ref.Instance, name: ref.Name}, err
}

func (o *targetOptions) lookup(d *Deps, t token.Token, name string, _ bool) (kp.Instance, *cache.InstanceKey, error) {
	inst, err := d.f.Targets(nil).Lookup(context.Background(), o.Request, t, name)
	return inst, nil, err
}

func noArgs(c *cobra.Command, args []string) error { return cmdutil.NoArgs(c, args) }

func annotate(usage string) map[string]string { return map[string]string{"usage": usage} }

func writeRows(b *strings.Builder, rows [][2]string) { cmdutil.WriteRows(b, rows) }

func writeJSON(d *Deps, v any) error { return cmdutil.WriteJSON(d.IO.Out, v) }
