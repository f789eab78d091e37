package cmd

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/terminal"
	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/httpclient"
	"github.com/kp-token/kp-token/plugin/kp"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

// VerifyOptions are the inputs of 'kp-token verify'.
type VerifyOptions struct {
	outputOptions
	sourceOptions
	targetOptions
}

// NewCmdVerify builds 'kp-token verify'.
func NewCmdVerify(d *Deps) *cobra.Command {
	opts := &VerifyOptions{}
	c := &cobra.Command{
		Use:         "verify",
		Short:       "verify_description",
		Long:        "verify_long",
		Annotations: annotate("verify_usage"),
		Args:        noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.sourceOptions.bind(c)
			return RunVerify(d, opts)
		},
	}
	addSourceFlags(c, d, &opts.sourceOptions)
	addTargetFlags(c, d, &opts.targetOptions)
	addOutputFlags(c, d, &opts.outputOptions, output.JSONOnly)
	c.Flags().Lookup("quiet").Usage = "flag_verify_quiet"
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

// RunVerify makes one real Key Protect call with the token and says whether
// access works, and if not, why and what to do. It exits 0 only when access
// works.
func RunVerify(d *Deps, opts *VerifyOptions) error {
	opts.formats = output.JSONOnly
	p, err := opts.printer(d)
	if err != nil {
		return err
	}
	v := Verdict{}
	err = verify(d, p, opts, &v)
	if p.Format == output.JSON {
		if f, ok := failure.As(err); ok {
			ft := cmdutil.RenderFailure(d.T, f)
			v.Cause, v.Remedy = d.Secrets.Scrub(ft.Cause), d.Secrets.Scrub(ft.Remedy)
		}
		if err == nil || !failure.IsUsage(err) {
			if werr := writeJSON(d, v); werr != nil && err == nil {
				return werr
			}
		}
		return err
	}
	if err != nil {
		return err
	}
	if !p.Quiet {
		terminal.NewUI(d.IO.In, d.IO.Out, d.IO.ErrOut).Ok()
	}
	keys := d.T.T("verify_keys_none")
	switch {
	case v.KeysVisible != nil:
		keys = d.T.N("verify_keys_count", *v.KeysVisible, nil)
	case *v.KeysListed > 0:
		keys = d.T.T("verify_keys_some")
	}
	rows := [][2]string{
		{d.T.T("label_identity"), v.Identity},
		{d.T.T("label_account"), v.Account},
		{d.T.T("label_kp_endpoint"), v.Endpoint},
		{d.T.T("label_instance"), v.InstanceID},
		{d.T.T("label_keys"), keys},
	}
	var b strings.Builder
	b.WriteString(d.T.T("verify_ok") + "\n")
	writeRows(&b, rows)
	_, err = fmt.Fprint(d.IO.Out, b.String())
	return err
}

func verify(d *Deps, p *output.Printer, opts *VerifyOptions, v *Verdict) error {
	t, target, ref, err := tokenFor(d, p, &opts.sourceOptions, &opts.targetOptions, targetNeeds{endpoint: true, instance: true}, nil)
	if err != nil {
		return err
	}
	if c, err := token.Decode(t.AccessToken); err == nil {
		v.IAMID = c.Info.IAMID
		v.Identity = c.Info.UserEmail
		if v.Identity == "" {
			v.Identity = c.Info.IAMID
		}
		v.Account = c.Info.Accounts.AccountID
	}
	v.Endpoint, v.InstanceID = target.Endpoint, target.InstanceID
	err = check(d, t, v)
	if target.cached != nil && failure.Is(err, failure.KindInstanceNotFound) {
		// A remembered instance Key Protect does not know: look again once.
		if c, cerr := d.openCache(); cerr == nil {
			c.ForgetInstance(*target.cached)
		}
		inst, _, lerr := opts.targetOptions.lookup(d, t, ref.name, true)
		if lerr != nil {
			return lerr
		}
		if inst.GUID != v.InstanceID {
			if url, _, eerr := kp.Endpoint(opts.targetOptions.endpointRequest(d, inst.Region)); eerr == nil {
				v.Endpoint = url
			}
			v.InstanceID, v.Status = inst.GUID, 0
			err = check(d, t, v)
		}
	}
	return err
}

// check makes the Key Protect call and fills the verdict.
func check(d *Deps, t token.Token, v *Verdict) error {
	timeout := d.Timeout()
	access, err := kp.Check(context.Background(), d.HTTPClient(timeout), v.Endpoint, v.InstanceID, t.Bearer(), timeout)
	if err != nil {
		return kpFailure(err, v, timeout)
	}
	v.OK = true
	v.KeysListed = &access.KeysListed
	if access.KeysVisible >= 0 {
		v.KeysVisible = &access.KeysVisible
	}
	return nil
}

// kpFailure maps what Key Protect (or the network) said to a verdict.
func kpFailure(err error, v *Verdict, timeout time.Duration) error {
	data := map[string]any{"Instance": v.InstanceID, "URL": v.Endpoint, "Identity": v.Identity, "IAMID": v.IAMID}
	e, answered := kp.ServiceError(err)
	if !answered {
		return httpclient.Failure(kp.TransportCause(err), kp.Service, v.Endpoint, timeout)
	}
	v.Status = e.StatusCode
	data["Status"], data["Reason"] = e.StatusCode, output.SafeLine(kp.Reasons(e))
	switch {
	case e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden:
		return failure.New("verify_no_access", data).WithRemedy("verify_no_access_remedy", data).Wrap(err)
	case e.StatusCode == http.StatusNotFound || mentionsInstance(e):
		return failure.New("verify_instance_not_found", data).WithRemedy("verify_instance_not_found_remedy", data).
			WithKind(failure.KindInstanceNotFound).Wrap(err)
	case e.StatusCode == http.StatusBadRequest:
		return failure.New("verify_bad_request", data).WithRemedy("verify_bad_request_remedy", data).Wrap(err)
	case e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500:
		return failure.New("kp_unavailable", data).WithRemedy("net_timeout_remedy", nil).Wrap(err)
	}
	return failure.New("verify_rejected", data).WithRemedy("verify_bad_request_remedy", data).Wrap(err)
}

// mentionsInstance reports whether Key Protect's reasons are about the
// instance ID (an unknown or malformed bluemix-instance).
func mentionsInstance(e interface{ Error() string }) bool {
	return strings.Contains(strings.ToUpper(e.Error()), "INSTANCE")
}
