// Package setup is 'kp-token setup': a service ID with access to a Key
// Protect instance, and its API key saved to a file, all or nothing (the
// steps and their undo are serviceid.Plan's); with --rotate, a new key
// for it (serviceid.Rotation); with --remove, its deletion
// (serviceid.Removal).
package setup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/serviceid"
	"github.com/kp-token/kp-token/plugin/signals"
	"github.com/kp-token/kp-token/plugin/target"
)

// SetupOptions are the inputs of 'kp-token setup'.
type SetupOptions struct {
	IO          cmdutil.IOStreams
	Translator  *i18n.Translator
	Now         func() time.Time
	CLIQuiet    bool
	Secrets     *failure.Secrets
	HTTPClient  func(timeout time.Duration) *http.Client
	Timeout     time.Duration
	Credentials func(cmdutil.Notifier) *credential.Resolver
	Targets     func(cmdutil.Notifier) *target.Resolver

	Output      cmdutil.OutputFlags
	Name        string
	Target      target.Request // --instance-id, --instance
	Source      credential.Source
	Role        string
	File        string
	Description string
	Reuse       bool
	Force       bool
	// Rotate and Remove choose the service ID's later steps; KeepOld is
	// --rotate's.
	Rotate, Remove, KeepOld bool
	// StdinTerminal reports whether standard input is a terminal, where
	// --remove may ask its question.
	StdinTerminal func() bool
}

// NewCmdSetup builds 'kp-token setup'; runF, when set, runs instead of the
// command.
func NewCmdSetup(f *cmdutil.Factory, runF func(*SetupOptions) error) *cobra.Command {
	opts := &SetupOptions{IO: f.IO, Translator: f.Translator, Now: f.Now, CLIQuiet: f.Quiet, Secrets: f.Secrets, HTTPClient: f.HTTPClient,
		Timeout: f.Timeout, Credentials: f.Credentials, Targets: f.Targets, StdinTerminal: func() bool { return isTerminal(f.IO.In) }}
	h := f.Help
	c := &cobra.Command{
		Use:         "setup",
		Short:       h.T("setup_description"),
		Long:        h.Paragraphs("setup_long", "setup_long_lifecycle"),
		Annotations: h.Usage("setup_usage", "setup_rotate_usage", "setup_remove_usage"),
		Args:        cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cmdutil.BindSource(c, &opts.Source)
			if err := checkMode(c, opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			switch {
			case opts.Rotate:
				return rotateRun(c.Context(), opts)
			case opts.Remove:
				return removeRun(c.Context(), opts)
			}
			return setupRun(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Name, "name", "", h.T("flag_setup_name"))
	cmdutil.AddInstanceFlags(c, h, &opts.Target)
	// Setup acts as an administrator: with an API key, or one that assumes a
	// trusted profile. It keeps no token, so the cache's options are not its.
	cmdutil.AddAPIKeyFlag(c, h, &opts.Source)
	cmdutil.AddProfileFlags(c, h, &opts.Source)
	fl.StringVar(&opts.Role, "role", "Reader", h.T("flag_setup_role"))
	fl.StringVar(&opts.File, "file", "", h.T("flag_setup_file"))
	fl.StringVar(&opts.Description, "description", "", h.T("flag_setup_description"))
	fl.BoolVar(&opts.Reuse, "reuse", false, h.T("flag_setup_reuse"))
	fl.BoolVarP(&opts.Force, "force", "f", false, h.T("flag_setup_force"))
	fl.BoolVar(&opts.Rotate, "rotate", false, h.T("flag_setup_rotate"))
	fl.BoolVar(&opts.KeepOld, "keep-old", false, h.T("flag_setup_keep_old"))
	fl.BoolVar(&opts.Remove, "remove", false, h.T("flag_setup_remove"))
	cmdutil.AddOutputFlags(c, h, &opts.Output, output.JSONOnly)
	fl.Lookup("quiet").Usage = h.T("flag_exec_quiet")
	return c
}

// createOnly are the options that only the creation of a service ID
// takes.
var createOnly = []string{"instance-id", "instance", "role", "description", "reuse"}

// checkMode refuses options that do not go together: --rotate and
// --remove, and an option of another mode than the one chosen.
func checkMode(c *cobra.Command, opts *SetupOptions) error {
	mode := ""
	switch {
	case opts.Rotate && opts.Remove:
		return failure.Usagef("setup_modes_both", nil)
	case opts.Rotate:
		mode = "--rotate"
	case opts.Remove:
		mode = "--remove"
	}
	if opts.KeepOld && !opts.Rotate {
		return failure.Usagef("setup_flag_needs", map[string]any{"Flag": "--keep-old", "Needs": "--rotate"})
	}
	if mode == "" {
		return nil
	}
	for _, name := range createOnly {
		if c.Flags().Changed(name) {
			return failure.Usagef("setup_flag_not_with", map[string]any{"Flag": "--" + name, "Mode": mode})
		}
	}
	return nil
}

// setupResult is what setup reports, also its --output json form; it
// never holds the key itself.
type setupResult struct {
	ServiceID   string `json:"service_id"`
	IAMID       string `json:"iam_id"`
	Name        string `json:"name"`
	Reused      bool   `json:"service_id_reused"`
	PolicyID    string `json:"policy_id,omitempty"`
	Role        string `json:"role"`
	InstanceID  string `json:"instance_id"`
	Account     string `json:"account_id"`
	APIKeyID    string `json:"apikey_id"`
	File        string `json:"file"`
	NextCommand string `json:"next_command"`
}

// setupRun creates a service ID, gives it an access policy on a Key
// Protect instance, creates its API key and saves the key to a file, all
// with the logged-in session (or the source named). It is all or nothing:
// the instance is checked before anything is created, and when a step
// fails or a signal (SIGINT, SIGTERM, SIGHUP) stops it, what it created is
// undone, and what could not be is listed with the command that deletes it.
func setupRun(ctx context.Context, opts *SetupOptions) error {
	p, err := opts.Output.Printer(opts.IO, opts.Translator, opts.CLIQuiet, opts.Now)
	if err != nil {
		return err
	}
	n := cmdutil.Notices{P: p}
	targets := opts.Targets(n)
	plan, ref, err := check(opts, targets)
	if err != nil {
		return err
	}
	admin, err := opts.Credentials(n).Admin(ctx, opts.Source)
	if err != nil {
		return err
	}
	plan.Account = admin.Account
	// Until the instance is known to be good nothing is created, and a
	// signal may end the process as usual.
	if plan.InstanceID, err = targets.Owned(ctx, opts.Target, ref, admin.Token, plan.Account); err != nil {
		return err
	}
	if plan.Description == "" {
		plan.Description = opts.Translator.T("setup_default_description", map[string]any{"Instance": plan.InstanceID})
	}
	api, err := serviceid.New(admin.IAMURL, admin.Token.AccessToken, opts.HTTPClient(opts.Timeout), opts.Timeout)
	if err != nil {
		return err
	}
	intr := signals.CatchInterrupts()
	defer intr.Stop()
	made, err := plan.Run(api, intr, n, opts.Secrets)
	if err != nil {
		return err
	}
	return show(opts, p, setupResult{ServiceID: made.ServiceID, IAMID: made.IAMID, Name: plan.Name, Reused: made.Reused,
		PolicyID: made.PolicyID, Role: plan.Role, InstanceID: plan.InstanceID, Account: plan.Account, APIKeyID: made.APIKeyID,
		File: plan.File, NextCommand: "ibmcloud kp-token get --apikey @" + output.ShellWord(plan.File) + " --instance-id " + plan.InstanceID})
}

// check turns the options into the plan, refusing before anything is
// asked of a server what needs no server to refuse.
func check(opts *SetupOptions, targets *target.Resolver) (serviceid.Plan, target.Ref, error) {
	plan := serviceid.Plan{Name: strings.TrimSpace(opts.Name), Description: opts.Description, Reuse: opts.Reuse,
		Force: opts.Force, CreatedAt: opts.Now()}
	if plan.Name == "" {
		return plan, target.Ref{}, failure.Usagef("setup_name_required", nil)
	}
	ref, err := targets.Parse(opts.Target)
	if err != nil {
		return plan, ref, err
	}
	if !ref.Given() {
		return plan, ref, failure.Usagef("kp_instance_required", nil)
	}
	plan.InstanceID = ref.Instance.GUID
	for _, r := range serviceid.Roles {
		if strings.EqualFold(r, strings.TrimSpace(opts.Role)) {
			plan.Role = r
		}
	}
	if plan.Role == "" {
		return plan, ref, failure.Usagef("setup_role_invalid", map[string]any{"Value": output.SafeLine(opts.Role), "Roles": strings.Join(serviceid.Roles, ", ")})
	}
	plan.File = opts.File
	if plan.File == "" {
		plan.File = plan.Name + ".json"
	}
	data := map[string]any{"Path": plan.File}
	if _, err := os.Lstat(plan.File); err == nil && !opts.Force {
		return plan, ref, failure.New("setup_file_exists", data).WithRemedy("setup_file_exists_remedy", nil)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return plan, ref, failure.New("tokenfile_write_failed", data).WithRemedy("tokenfile_write_remedy", nil).Wrap(err)
	}
	if st, err := os.Stat(filepath.Dir(plan.File)); err != nil || !st.IsDir() {
		return plan, ref, failure.New("tokenfile_write_failed", data).WithRemedy("tokenfile_write_remedy", nil)
	}
	return plan, ref, nil
}

// show prints what setup made.
func show(opts *SetupOptions, p *output.Printer, res setupResult) error {
	if p.Format == output.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, res)
	}
	t := opts.Translator
	sidState := t.T("setup_created")
	if res.Reused {
		sidState = t.T("setup_reused")
	}
	policy := t.T("setup_policy_value", map[string]any{"Role": res.Role, "Instance": res.InstanceID})
	if res.PolicyID == "" {
		policy += " " + t.T("setup_policy_existed")
	}
	var b strings.Builder
	cmdutil.WriteRows(&b, [][2]string{
		{t.T("label_service_id"), fmt.Sprintf("%s (%s) %s", res.Name, res.ServiceID, sidState)},
		{t.T("label_access_policy"), policy},
		{t.T("label_apikey"), fmt.Sprintf("%s (%s)", res.Name, res.APIKeyID)},
		{t.T("label_file"), res.File},
	})
	b.WriteString(output.SafeLine(t.T("setup_next", map[string]any{"Command": res.NextCommand})) + "\n")
	return cmdutil.Report(opts.IO, p.Quiet, b.String())
}
