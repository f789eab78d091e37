package setup

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/terminal"
	"golang.org/x/term"

	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/serviceid"
	"github.com/kp-token/kp-token/plugin/signals"
)

// removeResult is what 'setup --remove' reports, also its --output json
// form.
type removeResult struct {
	ServiceID string   `json:"service_id"`
	IAMID     string   `json:"iam_id"`
	Name      string   `json:"name"`
	Account   string   `json:"account_id"`
	Policies  []string `json:"deleted_policy_ids"`
	Keys      []string `json:"deleted_apikey_ids"`
	File      string   `json:"deleted_file,omitempty"`
}

// removeRun deletes the service ID NAME: its access policies, then the
// service ID (its API keys go with it), then FILE when --file names it.
// What will go is listed and the user asked first, unless -f; without a
// terminal to ask on, -f is required.
func removeRun(ctx context.Context, opts *SetupOptions) error {
	p, err := opts.Output.Printer(opts.IO, opts.Translator, opts.CLIQuiet, opts.Now)
	if err != nil {
		return err
	}
	n := cmdutil.Notices{P: p}
	r := serviceid.Removal{Name: strings.TrimSpace(opts.Name), File: opts.File}
	if r.Name == "" {
		return failure.Usagef("setup_name_required_existing", map[string]any{"Mode": "--remove"})
	}
	if !opts.Force && !opts.StdinTerminal() {
		return failure.Usagef("setup_remove_needs_force", nil)
	}
	if err := r.Check(opts.Secrets); err != nil {
		return err
	}
	creds := opts.Credentials(n)
	admin, err := creds.Admin(ctx, opts.Source)
	if err != nil {
		return err
	}
	r.Account = admin.Account
	r.Prove = func(ctx context.Context, key string) error {
		_, err := creds.Exchange(ctx, key)
		return err
	}
	api, err := serviceid.New(admin.IAMURL, admin.Token.AccessToken, opts.HTTPClient(opts.Timeout), opts.Timeout)
	if err != nil {
		return err
	}
	inv, err := r.Survey(api, signals.CatchInterrupts())
	if err != nil {
		return err
	}
	res := removeResult{ServiceID: inv.ServiceID.ID, IAMID: inv.ServiceID.IAMID, Name: inv.ServiceID.Name, Account: inv.Account,
		Policies: nonNil(inv.Policies), Keys: []string{}, File: inv.File}
	for _, k := range inv.Keys {
		res.Keys = append(res.Keys, k.ID)
	}
	if !opts.Force && !confirm(opts, res) {
		// Signals keep their usual effect while the question waits.
		return nil
	}
	intr := signals.CatchInterrupts()
	defer intr.Stop()
	if err := inv.Delete(api, intr, n); err != nil {
		return err
	}
	if p.Format == output.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, res)
	}
	return cmdutil.Report(opts.IO, p.Quiet, removeRows(opts, res))
}

// confirm lists what will go and asks, with the SDK's prompt (its words,
// in the CLI's language, for an answer it does not understand), on
// stderr: stdout is data. No answer (end of input) is a no.
func confirm(opts *SetupOptions, res removeResult) bool {
	t := opts.Translator
	fmt.Fprint(opts.IO.ErrOut, t.T("setup_remove_plan")+"\n"+removeRows(opts, res))
	ui := terminal.NewUI(opts.IO.In, opts.IO.ErrOut, opts.IO.ErrOut)
	yes := false
	question := output.SafeLine(t.T("setup_remove_confirm", map[string]any{"Name": output.SafeLine(res.Name)}))
	if err := ui.Prompt(question, &terminal.PromptOptions{HideDefault: true}).Resolve(&yes); err != nil || !yes {
		fmt.Fprintln(opts.IO.ErrOut, t.T("setup_remove_cancelled"))
		return false
	}
	return true
}

// removeRows are the lines that say what a removal deletes.
func removeRows(opts *SetupOptions, res removeResult) string {
	t := opts.Translator
	none := func(ids []string) string {
		if len(ids) == 0 {
			return "-"
		}
		return strings.Join(ids, ", ")
	}
	rows := [][2]string{
		{t.T("label_service_id"), fmt.Sprintf("%s (%s)", res.Name, res.ServiceID)},
		{t.T("label_access_policies"), none(res.Policies)},
		{t.T("label_apikeys"), none(res.Keys)},
	}
	if res.File != "" {
		rows = append(rows, [2]string{t.T("label_key_file"), res.File})
	}
	var b strings.Builder
	cmdutil.WriteRows(&b, rows)
	return b.String()
}

// isTerminal reports whether r is a terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}
