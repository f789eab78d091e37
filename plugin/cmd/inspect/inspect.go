// Package inspect is 'kp-token inspect': what a token says (its claims),
// without verifying its signature.
package inspect

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/core_config"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/terminal"
	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

// InspectOptions are the inputs of 'kp-token inspect'.
type InspectOptions struct {
	IO         cmdutil.IOStreams
	Translator *i18n.Translator
	Now        func() time.Time
	CLIQuiet   bool
	// Context is the CLI session, whose token is inspected when no other
	// is given; nil outside a session.
	Context cmdutil.Context
	Secrets *failure.Secrets

	Output cmdutil.OutputFlags
	Token  string // argument: a token or "-"
	File   string
}

// NewCmdInspect builds 'kp-token inspect'; runF, when set, runs instead of
// the command.
func NewCmdInspect(f *cmdutil.Factory, runF func(*InspectOptions) error) *cobra.Command {
	opts := &InspectOptions{IO: f.IO, Translator: f.Translator, Now: f.Now, CLIQuiet: f.Quiet, Context: f.Context, Secrets: f.Secrets}
	h := f.Help
	c := &cobra.Command{
		Use:         "inspect",
		Short:       h.T("inspect_description"),
		Long:        h.T("inspect_long"),
		Annotations: h.Usage("inspect_usage"),
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return failure.Usagef("inspect_too_many_args", nil)
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Token = args[0]
				if opts.Token == "" {
					return failure.Usagef("inspect_empty_arg", nil)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return inspectRun(opts)
		},
	}
	c.Flags().StringVar(&opts.File, "file", "", h.T("flag_inspect_file"))
	// --output only: a token's claims have no quiet form.
	opts.Output.Formats = output.JSONOnly
	c.Flags().StringVar(&opts.Output.Output, "output", "", h.T("flag_output_json"))
	return c
}

// inspectRun decodes a token, without verifying its signature, and shows
// its claims. It fails (exit 1) when the token has expired.
func inspectRun(opts *InspectOptions) error {
	p, err := opts.Output.Printer(opts.IO, opts.Translator, opts.CLIQuiet, opts.Now)
	if err != nil {
		return err
	}
	if opts.Token != "" && opts.File != "" {
		return failure.Usagef("inspect_two_sources", nil)
	}
	raw, err := source(opts)
	if err != nil {
		return err
	}
	opts.Secrets.Add(token.StripBearer(raw))
	claims, err := token.Decode(raw)
	if err != nil {
		return err
	}
	now := opts.Now()
	left := claims.Info.Expiry.Sub(now)
	if p.Format == output.JSON {
		doc := map[string]any{}
		for k, v := range claims.Raw {
			doc[k] = v
		}
		doc["expires_in"] = int64(left / time.Second)
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(opts.IO.Out, string(b))
	} else {
		// A report for people, in their language: stderr (see cmdutil.Report).
		writeClaims(opts.IO.ErrOut, opts.Translator, claims, now, p)
	}
	if left <= 0 {
		return failure.New("inspect_expired", map[string]any{"Expiry": p.Expiry(claims.Info.Expiry)}).
			WithRemedy("inspect_expired_remedy", nil)
	}
	return nil
}

// source is the token to inspect: the argument, standard input ("-"), a
// token file, or the CLI session's.
func source(opts *InspectOptions) (string, error) {
	switch {
	case opts.Token == "-":
		b, err := io.ReadAll(io.LimitReader(opts.IO.In, 256<<10))
		if err != nil || token.StripBearer(string(b)) == "" {
			return "", failure.New("inspect_stdin_empty", nil).WithRemedy("token_malformed_remedy", nil)
		}
		return string(b), nil
	case opts.Token != "":
		return opts.Token, nil
	case opts.File != "":
		t, err := token.ReadFile(opts.File)
		if err != nil {
			return "", err
		}
		return t.AccessToken, nil
	}
	if opts.Context == nil || token.StripBearer(opts.Context.IAMToken()) == "" {
		return "", failure.New("session_none", nil).WithRemedy("inspect_none_remedy", nil)
	}
	return opts.Context.IAMToken(), nil
}

func writeClaims(w io.Writer, tr *i18n.Translator, c token.Claims, now time.Time, p *output.Printer) {
	info := c.Info
	t := tr.T
	tbl := terminal.NewTable(w, []string{t("inspect_col_field"), t("inspect_col_value")})
	add := func(id, v string) {
		if v != "" {
			// Claims are whatever the token says: no control character
			// of theirs reaches the terminal.
			tbl.Add(t(id), output.SafeLine(v))
		}
	}
	add("inspect_iam_id", info.IAMID)
	name := info.Fullname
	if info.UserEmail != "" {
		if name != "" {
			name += " <" + info.UserEmail + ">"
		} else {
			name = info.UserEmail
		}
	}
	add("inspect_name", name)
	add("inspect_subject_type", subjectType(tr, info.SubjectType))
	if info.SubjectType == "Profile" {
		add("inspect_profile", strings.TrimSpace(info.Subject+" ("+info.Fullname+")"))
	}
	add("inspect_account", info.Accounts.AccountID)
	if !info.IssueAt.IsZero() {
		add("inspect_issued", output.LocalTime(info.IssueAt))
	}
	add("inspect_expires", output.LocalTime(info.Expiry))
	left := info.Expiry.Sub(now)
	if left > 0 {
		add("inspect_remaining", t("inspect_valid_for", map[string]any{"Duration": output.Duration(tr, left)}))
	} else {
		add("inspect_remaining", t("inspect_expired_ago", map[string]any{"Duration": output.Duration(tr, -left)}))
	}
	add("inspect_grant_type", info.GrantType)
	add("inspect_scope", info.Scope)
	add("inspect_client_id", c.ClientID())
	tbl.Print()
	p.Notice(t("inspect_not_verified"))
}

func subjectType(tr *i18n.Translator, st string) string {
	switch st {
	case core_config.SubjectTypeServiceID:
		return tr.T("subject_service_id")
	case core_config.SubjectTypeTrustedProfile:
		return tr.T("subject_trusted_profile")
	case "":
		return tr.T("subject_user")
	default:
		return st
	}
}
