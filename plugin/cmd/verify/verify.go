// Package verify is 'kp-token verify': one real Key Protect call with the
// token, and whether access works, and if not, why and what to do.
package verify

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/kp"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/target"
	"github.com/kp-token/kp-token/plugin/token"
)

// VerifyOptions are the inputs of 'kp-token verify'.
type VerifyOptions struct {
	IO          cmdutil.IOStreams
	Translator  *i18n.Translator
	Now         func() time.Time
	CLIQuiet    bool
	Secrets     *failure.Secrets
	Credentials func(cmdutil.Notifier) *credential.Resolver
	Targets     func(cmdutil.Notifier) *target.Resolver

	Output cmdutil.OutputFlags
	Source credential.Source
	Target target.Request
}

// NewCmdVerify builds 'kp-token verify'; runF, when set, runs instead of
// the command.
func NewCmdVerify(f *cmdutil.Factory, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{IO: f.IO, Translator: f.Translator, Now: f.Now, CLIQuiet: f.Quiet, Secrets: f.Secrets,
		Credentials: f.Credentials, Targets: f.Targets}
	h := f.Help
	c := &cobra.Command{
		Use:         "verify",
		Short:       h.T("verify_description"),
		Long:        h.T("verify_long"),
		Annotations: h.Usage("verify_usage"),
		Args:        cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cmdutil.BindSource(c, &opts.Source)
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(c.Context(), opts)
		},
	}
	// verify uses the token at once: the freshness and cache options of
	// get and exec are not its.
	cmdutil.AddAPIKeyFlag(c, h, &opts.Source)
	cmdutil.AddWorkloadFlags(c, h, &opts.Source)
	cmdutil.AddTargetFlags(c, h, &opts.Target)
	cmdutil.AddOutputFlags(c, h, &opts.Output, output.JSONOnly)
	c.Flags().Lookup("quiet").Usage = h.T("flag_verify_quiet")
	return c
}

// Verdict is what 'verify' found, also its --output json form.
type Verdict struct {
	OK         bool   `json:"ok"`
	Identity   string `json:"identity,omitempty"`
	IAMID      string `json:"iam_id,omitempty"`
	Account    string `json:"account,omitempty"`
	Endpoint   string `json:"kp_endpoint,omitempty"`
	InstanceID string `json:"instance_id,omitempty"`
	KeysListed *int   `json:"keys_listed,omitempty"`
	// KeysVisible is how many keys the identity can see (absent when Key
	// Protect did not say).
	KeysVisible *int   `json:"keys_visible,omitempty"`
	Status      int    `json:"status,omitempty"`
	Cause       string `json:"cause,omitempty"`
	Remedy      string `json:"remedy,omitempty"`
}

// verifyRun makes one real Key Protect call with the token and says
// whether access works, and if not, why and what to do. It exits 0 only
// when access works.
func verifyRun(ctx context.Context, opts *VerifyOptions) error {
	p, err := opts.Output.Printer(opts.IO, opts.Translator, opts.CLIQuiet, opts.Now)
	if err != nil {
		return err
	}
	v := Verdict{}
	err = verify(ctx, opts, p, &v)
	if p.Format == output.JSON {
		// The verdict is data, the same in every language: its cause and
		// remedy are in English, as IAM's and Key Protect's own error
		// messages are; FAILED on stderr says them in the user's language.
		if f, ok := failure.As(err); ok {
			ft := cmdutil.RenderFailure(i18n.New(i18n.DefaultLocale), f)
			v.Cause, v.Remedy = opts.Secrets.Scrub(ft.Cause), opts.Secrets.Scrub(ft.Remedy)
		}
		if err == nil || !failure.IsUsage(err) {
			if werr := cmdutil.WriteJSON(opts.IO.Out, v); werr != nil && err == nil {
				return werr
			}
		}
		return err
	}
	if err != nil {
		return err
	}
	t := opts.Translator
	keys := t.T("verify_keys_none")
	switch {
	case v.KeysVisible != nil:
		keys = t.N("verify_keys_count", *v.KeysVisible, nil)
	case *v.KeysListed > 0:
		keys = t.T("verify_keys_some")
	}
	var b strings.Builder
	b.WriteString(t.T("verify_ok") + "\n")
	cmdutil.WriteRows(&b, [][2]string{
		{t.T("label_identity"), v.Identity},
		{t.T("label_account"), v.Account},
		{t.T("label_kp_endpoint"), v.Endpoint},
		{t.T("label_instance"), v.InstanceID},
		{t.T("label_keys"), keys},
	})
	return cmdutil.Report(opts.IO, p.Quiet, b.String())
}

// verify obtains the token and the target, checks access, and fills the
// verdict as far as it got.
func verify(ctx context.Context, opts *VerifyOptions, p *output.Printer, v *Verdict) error {
	n := cmdutil.Notices{P: p}
	creds, targets := opts.Credentials(n), opts.Targets(n)
	t, tgt, err := targets.With(ctx, opts.Target, target.Needs{Endpoint: true, Instance: true}, nil,
		func(ctx context.Context) (token.Token, error) { return creds.Resolve(ctx, opts.Source) })
	if err != nil {
		return err
	}
	who := kp.Who{}
	if c, err := token.Decode(t.AccessToken); err == nil {
		v.IAMID = c.Info.IAMID
		v.Identity = c.Info.UserEmail
		if v.Identity == "" {
			v.Identity = c.Info.IAMID
		}
		v.Account = c.Info.Accounts.AccountID
		who = kp.Who{SubjectType: c.Info.SubjectType, Subject: c.Info.Subject, Email: c.Info.UserEmail}
	}
	who.Identity, who.IAMID = v.Identity, v.IAMID
	tgt, access, status, err := targets.Access(ctx, opts.Target, tgt, t, who)
	v.Endpoint, v.InstanceID, v.Status = tgt.Endpoint, tgt.InstanceID, status
	if err != nil {
		return err
	}
	v.OK = true
	v.KeysListed = &access.KeysListed
	if access.KeysVisible >= 0 {
		v.KeysVisible = &access.KeysVisible
	}
	return nil
}
