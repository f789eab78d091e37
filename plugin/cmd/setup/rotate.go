package setup

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/serviceid"
	"github.com/kp-token/kp-token/plugin/signals"
)

// rotateResult is what 'setup --rotate' reports, also its --output json
// form; it never holds a key.
type rotateResult struct {
	ServiceID string   `json:"service_id"`
	IAMID     string   `json:"iam_id"`
	Name      string   `json:"name"`
	Account   string   `json:"account_id"`
	APIKeyID  string   `json:"apikey_id"`
	File      string   `json:"file"`
	Deleted   []string `json:"deleted_apikey_ids"`
	Kept      []string `json:"kept_apikey_ids"`
}

// proveWait is the first pause before a new key is tried again when IAM
// does not know it yet.
const proveWait = time.Second

// rotateRun gives the service ID NAME a new API key, saved to FILE once IAM
// has given a token for it, then deletes the key it replaces (the one FILE
// held, or the service ID's keys named NAME), unless --keep-old. Nothing
// is deleted before the new key works; a signal before FILE holds it
// undoes the new key, after it stops the deletions.
func rotateRun(ctx context.Context, opts *SetupOptions) error {
	p, err := opts.Output.Printer(opts.IO, opts.Translator, opts.CLIQuiet, opts.Now)
	if err != nil {
		return err
	}
	n := cmdutil.Notices{P: p}
	r := serviceid.Rotation{Name: strings.TrimSpace(opts.Name), File: opts.File, KeepOld: opts.KeepOld, Force: opts.Force,
		CreatedAt: opts.Now(), ProveWait: proveWait}
	if r.Name == "" {
		return failure.Usagef("setup_name_required_existing", map[string]any{"Mode": "--rotate"})
	}
	if r.File == "" {
		r.File = r.Name + ".json"
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
	intr := signals.CatchInterrupts()
	defer intr.Stop()
	res, err := r.Run(api, intr, n, opts.Secrets)
	if err != nil {
		return err
	}
	out := rotateResult{ServiceID: res.ServiceID, IAMID: res.IAMID, Name: r.Name, Account: r.Account, APIKeyID: res.APIKeyID,
		File: r.File, Deleted: nonNil(res.Deleted), Kept: nonNil(res.Kept)}
	if p.Format == output.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, out)
	}
	return cmdutil.Report(opts.IO, p.Quiet, rotatedRows(opts.Translator, out))
}

// rotatedRows say what a rotation made and deleted.
func rotatedRows(t *i18n.Translator, out rotateResult) string {
	rows := [][2]string{
		{t.T("label_service_id"), fmt.Sprintf("%s (%s)", out.Name, out.ServiceID)},
		{t.T("label_apikey"), fmt.Sprintf("%s (%s)", out.Name, out.APIKeyID)},
		{t.T("label_file"), out.File},
	}
	if len(out.Deleted) > 0 {
		rows = append(rows, [2]string{t.T("label_old_apikeys_deleted"), strings.Join(out.Deleted, ", ")})
	}
	if len(out.Kept) > 0 {
		rows = append(rows, [2]string{t.T("label_old_apikeys_kept"), strings.Join(out.Kept, ", ")})
	}
	var b strings.Builder
	cmdutil.WriteRows(&b, rows)
	return b.String()
}

// nonNil makes an empty list [] in JSON.
func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
