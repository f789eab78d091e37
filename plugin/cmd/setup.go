package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/terminal"
	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/atomicfile"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/serviceid"
	"github.com/kp-token/kp-token/plugin/token"
)

// SetupOptions are the inputs of 'kp-token setup'.
type SetupOptions struct {
	outputOptions
	Name        string
	target      targetOptions
	source      sourceOptions
	Role        string
	File        string
	Description string
	Reuse       bool
	Force       bool
}

// NewCmdSetup builds 'kp-token setup'.
func NewCmdSetup(d *Deps) *cobra.Command {
	opts := &SetupOptions{}
	c := &cobra.Command{
		Use:         "setup",
		Short:       "setup_description",
		Long:        "setup_long",
		Annotations: annotate("setup_usage"),
		Args:        noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.source.bind(c)
			return RunSetup(d, opts)
		},
	}
	f := c.Flags()
	f.StringVar(&opts.Name, "name", "", "flag_setup_name")
	addInstanceFlags(c, d, &opts.target)
	addSourceFlags(c, d, &opts.source)
	f.StringVar(&opts.Role, "role", "Reader", "flag_setup_role")
	f.StringVar(&opts.File, "file", "", "flag_setup_file")
	f.StringVar(&opts.Description, "description", "", "flag_setup_description")
	f.BoolVar(&opts.Reuse, "reuse", false, "flag_setup_reuse")
	f.BoolVarP(&opts.Force, "force", "f", false, "flag_setup_force")
	addOutputFlags(c, d, &opts.outputOptions, output.JSONOnly)
	c.Flags().Lookup("quiet").Usage = "flag_exec_quiet"
	return c
}

// setupResult is what setup reports; it never holds the key itself.
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

// RunSetup creates a service ID, gives it an access policy on a Key Protect
// instance, creates its API key and saves the key to a file, all with the
// logged-in session. When a step fails, the earlier ones are undone: no
// identity or key is left behind.
func RunSetup(d *Deps, opts *SetupOptions) error {
	opts.formats = output.JSONOnly
	p, err := opts.printer(d)
	if err != nil {
		return err
	}
	in, err := opts.validate(d)
	if err != nil {
		return err
	}
	t, url, err := setupToken(d, p, opts)
	if err != nil {
		return err
	}
	d.Secrets.Add(t.AccessToken)
	account := ""
	if !opts.source.explicit() && d.Context != nil {
		account = d.Context.CurrentAccount().GUID
	}
	if c, err := token.Decode(t.AccessToken); err == nil && account == "" {
		account = c.Info.Accounts.AccountID
	}
	if account == "" {
		return failure.New("setup_no_account", nil).WithRemedy("setup_no_account_remedy", nil)
	}
	if in.ref.name != "" {
		inst, _, err := opts.target.lookup(d, t, in.ref.name, false)
		if err != nil {
			return err
		}
		in.InstanceID = inst.GUID
	}
	if in.Description == "" {
		in.Description = d.T.T("setup_default_description", map[string]any{"Instance": in.InstanceID})
	}
	api, err := serviceid.New(url, t.AccessToken, d.HTTPClient(d.Timeout()), d.Timeout())
	if err != nil {
		return err
	}
	res := setupResult{Name: in.Name, Role: in.Role, InstanceID: in.InstanceID, Account: account, File: in.File,
		NextCommand: "ibmcloud kp-token get --apikey @" + in.File + " --instance-id " + in.InstanceID}
	var undo undoList
	err = setup(d, p, api, in, &res, &undo)
	if err != nil {
		lines := undo.run(d)
		if f, ok := failure.As(err); ok && len(lines) > 0 {
			f.Extra = strings.Join(lines, "\n")
		} else if len(lines) > 0 {
			return failure.New("unexpected_error", map[string]any{"Detail": err.Error()}).Wrap(err).WithDetail(strings.Join(lines, "\n"))
		}
		return err
	}
	if p.Format == output.JSON {
		return writeJSON(d, res)
	}
	if !p.Quiet {
		terminal.NewUI(d.IO.In, d.IO.Out, d.IO.ErrOut).Ok()
	}
	sidState := d.T.T("setup_created")
	if res.Reused {
		sidState = d.T.T("setup_reused")
	}
	policy := d.T.T("setup_policy_value", map[string]any{"Role": res.Role, "Instance": res.InstanceID})
	if res.PolicyID == "" {
		policy += " " + d.T.T("setup_policy_existed")
	}
	var b strings.Builder
	writeRows(&b, [][2]string{
		{d.T.T("label_service_id"), fmt.Sprintf("%s (%s) %s", res.Name, res.ServiceID, sidState)},
		{d.T.T("label_access_policy"), policy},
		{d.T.T("label_apikey"), fmt.Sprintf("%s (%s)", res.Name, res.APIKeyID)},
		{d.T.T("label_file"), res.File},
	})
	b.WriteString(d.T.T("setup_next", map[string]any{"Command": res.NextCommand}) + "\n")
	_, err = fmt.Fprint(d.IO.Out, b.String())
	return err
}

// setupToken is the token setup acts with: the logged-in session's, or
// the one an explicit source gives (an API key, a trusted profile).
func setupToken(d *Deps, p *output.Printer, opts *SetupOptions) (token.Token, string, error) {
	url, endpointErr := d.iamURL()
	if opts.source.explicit() {
		if endpointErr != nil {
			return token.Token{}, "", endpointErr
		}
		if opts.source.MinValidity == 0 {
			opts.source.MinValidity = DefaultMinValidity
		}
		t, err := obtainToken(d, p, &opts.source)
		return t, url, err
	}
	if d.Context == nil || (token.StripBearer(d.Context.IAMToken()) == "" && d.Context.IAMRefreshToken() == "") {
		return token.Token{}, "", failure.New("setup_not_logged_in", nil).WithRemedy("session_login_remedy", nil)
	}
	t, _, err := token.FromSession(d.Context, token.SessionRequest{Renewer: d.Renewer,
		MinValidity: DefaultMinValidity, Now: d.Now(), URL: url, Timeout: d.Timeout(), EndpointErr: endpointErr,
	})
	if err == nil && endpointErr != nil {
		err = endpointErr
	}
	return t, url, err
}

type setupInput struct {
	Name, InstanceID, Role, File, Description string
	Reuse                                     bool
	ref                                       instanceRef
}

func (o *SetupOptions) validate(d *Deps) (setupInput, error) {
	in := setupInput{Name: strings.TrimSpace(o.Name), Description: o.Description, Reuse: o.Reuse}
	if in.Name == "" {
		return in, failure.Usagef("setup_name_required", nil)
	}
	ref, err := o.target.parse(d)
	if err != nil {
		return in, err
	}
	if !ref.given() {
		return in, failure.Usagef("kp_instance_required", nil)
	}
	in.ref, in.InstanceID = ref, ref.inst.GUID
	for _, r := range serviceid.Roles {
		if strings.EqualFold(r, strings.TrimSpace(o.Role)) {
			in.Role = r
		}
	}
	if in.Role == "" {
		return in, failure.Usagef("setup_role_invalid", map[string]any{"Value": output.SafeLine(o.Role), "Roles": strings.Join(serviceid.Roles, ", ")})
	}
	in.File = o.File
	if in.File == "" {
		in.File = in.Name + ".json"
	}
	data := map[string]any{"Path": in.File}
	if _, err := os.Lstat(in.File); err == nil && !o.Force {
		return in, failure.New("setup_file_exists", data).WithRemedy("setup_file_exists_remedy", nil)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return in, failure.New("tokenfile_write_failed", data).WithRemedy("tokenfile_write_remedy", nil).Wrap(err)
	}
	if st, err := os.Stat(filepath.Dir(in.File)); err != nil || !st.IsDir() {
		return in, failure.New("tokenfile_write_failed", data).WithRemedy("tokenfile_write_remedy", nil)
	}
	return in, nil
}

// setup runs the steps, recording how to undo each one that succeeded.
func setup(d *Deps, p *output.Printer, api *serviceid.Client, in setupInput, res *setupResult, undo *undoList) error {
	sid, exists, err := api.Find(res.Account, in.Name)
	if err != nil {
		return err
	}
	switch {
	case exists && !in.Reuse:
		return failure.New("setup_serviceid_exists", map[string]any{"Name": in.Name, "ID": sid.ID}).
			WithRemedy("setup_serviceid_exists_remedy", nil)
	case exists:
		res.Reused = true
		p.Notice(d.T.T("setup_progress_reuse", map[string]any{"Name": in.Name, "ID": sid.ID}))
	default:
		p.Notice(d.T.T("setup_progress_serviceid", map[string]any{"Name": in.Name}))
		if sid, err = api.Create(res.Account, in.Name, in.Description); err != nil {
			return err
		}
		undo.add("setup_undo_serviceid", sid.ID, "ibmcloud iam service-id-delete "+sid.ID+" -f", func() error { return api.Delete(sid.ID) })
	}
	res.ServiceID, res.IAMID = sid.ID, sid.IAMID

	p.Notice(d.T.T("setup_progress_policy", map[string]any{"Role": in.Role, "Instance": in.InstanceID}))
	policyID, existed, err := api.Grant(res.Account, sid.IAMID, in.InstanceID, in.Role)
	if err != nil {
		return err
	}
	if !existed {
		res.PolicyID = policyID
		undo.add("setup_undo_policy", policyID, "ibmcloud iam service-policy-delete "+sid.ID+" "+policyID+" -f", func() error { return api.Revoke(policyID) })
	}

	p.Notice(d.T.T("setup_progress_apikey"))
	key, err := api.CreateKey(res.Account, sid.IAMID, in.Name, in.Description)
	if key.ID != "" {
		undo.add("setup_undo_apikey", key.ID, "ibmcloud iam service-api-key-delete "+key.ID+" "+sid.ID+" -f", func() error { return api.DeleteKey(key.ID) })
	}
	if err != nil {
		return err
	}
	d.Secrets.Add(key.Secret)
	res.APIKeyID = key.ID

	// The shape 'ibmcloud iam service-api-key-create --file' writes, so
	// every tool that reads those files reads this one.
	doc, err := json.MarshalIndent(map[string]string{
		"name": in.Name, "description": in.Description,
		"createdAt": d.Now().UTC().Format("2006-01-02T15:04-0700"), "apikey": key.Secret,
	}, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(in.File, append(doc, '\n')); err != nil {
		return failure.New("setup_file_write_failed", map[string]any{"Path": in.File}).
			WithRemedy("tokenfile_write_remedy", nil).Wrap(err).WithDetail(err.Error())
	}
	return nil
}

// undoList holds how to delete what setup created, newest last.
type undoList []undoStep

type undoStep struct {
	what, id, command string
	run               func() error
}

func (u *undoList) add(what, id, command string, run func() error) {
	*u = append(*u, undoStep{what: what, id: id, command: command, run: run})
}

// run undoes the steps, newest first, and returns what was undone and what
// could not be (with the command that removes it), for the failure message.
func (u undoList) run(d *Deps) []string {
	var lines []string
	for i := len(u) - 1; i >= 0; i-- {
		s := u[i]
		data := map[string]any{"What": d.T.T(s.what), "ID": s.id, "Command": s.command}
		var err error
		for attempt := 0; attempt < 2; attempt++ {
			if err = s.run(); err == nil {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if err != nil {
			lines = append(lines, d.T.T("setup_undo_failed", data))
			continue
		}
		lines = append(lines, d.T.T("setup_undone", data))
	}
	return lines
}
