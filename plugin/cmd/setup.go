package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/terminal"
	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/atomicfile"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/kp"
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
// logged-in session. It is all or nothing: the instance is checked before
// anything is created, and when a step fails or a signal (SIGINT, SIGTERM,
// SIGHUP) stops it, what it created is undone, and what could not be is
// listed with the command that deletes it.
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
	// Until the instance is known to be good nothing is created, and a
	// signal may end the process as usual.
	if err := checkInstance(d, opts, &in, t, account); err != nil {
		return err
	}
	if in.Description == "" {
		in.Description = d.T.T("setup_default_description", map[string]any{"Instance": in.InstanceID})
	}
	api, err := serviceid.New(url, t.AccessToken, d.HTTPClient(d.Timeout()), d.Timeout())
	if err != nil {
		return err
	}
	res := setupResult{Name: in.Name, Role: in.Role, InstanceID: in.InstanceID, Account: account, File: in.File,
		NextCommand: "ibmcloud kp-token get --apikey @" + shellWord(in.File) + " --instance-id " + in.InstanceID}

	intr := catchInterrupts()
	defer intr.stop()
	var undo undoList
	err = setup(intr.work, d, p, api, in, &res, &undo)
	stoppedBy := intr.caught()
	if err == nil && stoppedBy == nil {
		// Complete: from here a signal ends the process as usual, and
		// leaves a complete setup; one that came just before is honoured.
		if stoppedBy = intr.stop(); stoppedBy == nil {
			return printSetup(d, p, res)
		}
	}
	lines := undo.run(intr.undo, d)
	if stoppedBy != nil {
		return interrupted(stoppedBy, lines)
	}
	f, ok := failure.As(err)
	if !ok {
		f = failure.New("unexpected_error", map[string]any{"Detail": err.Error()}).Wrap(err)
	}
	if len(lines) > 0 {
		f.Extra = strings.Join(lines, "\n")
	}
	if sig := intr.stop(); sig != nil {
		// Stopped while undoing: the cause stays the failure, the status
		// says the signal.
		f.WithExitCode(exitCode(sig))
	}
	return f
}

// printSetup prints what setup made.
func printSetup(d *Deps, p *output.Printer, res setupResult) error {
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
	b.WriteString(output.SafeLine(d.T.T("setup_next", map[string]any{"Command": res.NextCommand})) + "\n")
	_, err := fmt.Fprint(d.IO.Out, b.String())
	return err
}

// interrupted is the failure of a setup a signal stopped: what was undone
// and what was not, and the signal's exit status.
func interrupted(sig os.Signal, lines []string) error {
	data := map[string]any{"Signal": signalName(sig)}
	if len(lines) == 0 {
		return failure.New("setup_interrupted_none", data).WithExitCode(exitCode(sig))
	}
	f := failure.New("setup_interrupted", data).WithExitCode(exitCode(sig))
	f.Extra = strings.Join(lines, "\n")
	return f
}

// checkInstance makes sure, before anything is created, that the instance
// is a Key Protect instance the account holds, as the Resource Controller
// says: a mistyped GUID would otherwise give a service ID a policy on
// nothing.
func checkInstance(d *Deps, opts *SetupOptions, in *setupInput, t token.Token, account string) error {
	if in.ref.name != "" {
		inst, _, err := opts.target.lookup(d, t, in.ref.name, true)
		if err != nil {
			return err
		}
		in.InstanceID = inst.GUID
	}
	data := map[string]any{"Instance": output.SafeLine(in.InstanceID), "Account": account}
	notFound := failure.New("setup_instance_not_found", data).WithRemedy("instance_list_remedy", nil)
	if !kp.ValidInstanceID(in.InstanceID) {
		return notFound
	}
	private := d.Context != nil && d.Context.IsPrivateEndpointEnabled()
	url, err := kp.ResourceControllerURL(d.Getenv, private)
	if err != nil {
		return err
	}
	f := &kp.Finder{URL: url, Token: t.AccessToken, Client: d.HTTPClient(d.Timeout()), Timeout: d.Timeout()}
	rec, found, err := f.Get(context.Background(), in.InstanceID)
	switch {
	case err != nil:
		return err
	case !found || rec.Gone() || rec.Account != account ||
		(in.ref.inst.Region != "" && !strings.EqualFold(rec.Region, in.ref.inst.Region)):
		return notFound
	case !rec.IsKeyProtect():
		return failure.New("setup_instance_not_kp", data).WithRemedy("instance_list_remedy", nil)
	}
	return nil
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
	Reuse, Force                              bool
	ref                                       instanceRef
}

func (o *SetupOptions) validate(d *Deps) (setupInput, error) {
	in := setupInput{Name: strings.TrimSpace(o.Name), Description: o.Description, Reuse: o.Reuse, Force: o.Force}
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

// setup runs the steps, recording how to undo each one that succeeded, and
// each create whose outcome is unclear (a reset, a timeout, a 5xx, an
// interruption): the undo looks up what such a create left and deletes it.
// ctx is cancelled by a signal.
func setup(ctx context.Context, d *Deps, p *output.Printer, api *serviceid.Client, in setupInput, res *setupResult, undo *undoList) error {
	notice := func(id string, data map[string]any) { p.Notice(output.SafeLine(d.T.T(id, data))) }
	found, err := api.Find(ctx, res.Account, in.Name)
	if err != nil {
		return err
	}
	var sid serviceid.ServiceID
	switch {
	case len(found) > 0 && !in.Reuse:
		return failure.New("setup_serviceid_exists", map[string]any{"Name": in.Name, "ID": found[0].ID}).
			WithRemedy("setup_serviceid_exists_remedy", nil)
	case len(found) > 0:
		sid, res.Reused = found[0], true
		notice("setup_progress_reuse", map[string]any{"Name": in.Name, "ID": sid.ID})
	default:
		notice("setup_progress_serviceid", map[string]any{"Name": in.Name})
		// None was there: any of that name found after an unclear
		// outcome is this run's.
		if sid, err = api.Create(ctx, res.Account, in.Name, in.Description); err != nil {
			if serviceid.Unclear(err) {
				undo.addUnclearServiceID(api, res.Account, in.Name)
			}
			return err
		}
		undo.addServiceID(api, sid.ID)
	}
	res.ServiceID, res.IAMID = sid.ID, sid.IAMID

	if err := grant(ctx, notice, api, in, res, sid, undo); err != nil {
		return err
	}

	notice("setup_progress_apikey", nil)
	var keysBefore []string
	if res.Reused {
		// A reused service ID may have keys of that name already: they are
		// not this run's to delete.
		if keysBefore, err = api.Keys(ctx, res.Account, sid.IAMID, in.Name); err != nil {
			return api.ListFailure(err, "setup_keys_list_failed", sid.ID)
		}
	}
	key, err := api.CreateKey(ctx, res.Account, sid.IAMID, in.Name, in.Description)
	if key.ID != "" {
		undo.addKey(api, sid.ID, key.ID)
	} else if err != nil && serviceid.Unclear(err) {
		// Its secret, if it was made, is lost with the reply: delete it.
		undo.addUnclearKey(api, res.Account, sid, in.Name, keysBefore)
	}
	if err != nil {
		return err
	}
	d.Secrets.Add(key.Secret)
	res.APIKeyID = key.ID
	if err := ctx.Err(); err != nil {
		return err
	}

	// The shape 'ibmcloud iam service-api-key-create --file' writes, so
	// every tool that reads those files reads this one.
	doc, err := json.MarshalIndent(map[string]string{
		"name": in.Name, "description": in.Description,
		"createdAt": d.Now().UTC().Format("2006-01-02T15:04-0700"), "apikey": key.Secret,
	}, "", "  ")
	if err != nil {
		return err
	}
	// Signals stay with setup's handler during the write: the write ends
	// whole or leaves nothing, and setup then undoes what it made.
	err = atomicfile.WriteWith(in.File, append(doc, '\n'), atomicfile.Options{SignalsHeld: true, NoReplace: !in.Force})
	if errors.Is(err, fs.ErrExist) && !in.Force {
		// Made by someone else since validate looked: theirs, left as it is.
		return failure.New("setup_file_appeared", map[string]any{"Path": in.File}).WithRemedy("setup_file_exists_remedy", nil)
	}
	if err != nil {
		return failure.New("setup_file_write_failed", map[string]any{"Path": in.File}).
			WithRemedy("tokenfile_write_remedy", nil).Wrap(err).WithDetail(err.Error())
	}
	undo.addFile(in.File)
	return nil
}

// grant gives the service ID its access policy, unless a reused service ID
// has it already.
func grant(ctx context.Context, notice func(string, map[string]any), api *serviceid.Client, in setupInput, res *setupResult, sid serviceid.ServiceID, undo *undoList) error {
	notice("setup_progress_policy", map[string]any{"Role": in.Role, "Instance": in.InstanceID})
	var before []string
	if res.Reused {
		// Asked before the create, so that a 409 cannot be mistaken for a
		// policy that was there: a new service ID has none.
		var err error
		if before, err = api.Policies(ctx, res.Account, sid.IAMID, in.InstanceID, in.Role); err != nil {
			return api.ListFailure(err, "setup_policies_list_failed", sid.ID)
		}
		if len(before) > 0 {
			return nil
		}
	}
	policyID, conflict, err := api.Grant(ctx, res.Account, sid.IAMID, in.InstanceID, in.Role)
	switch {
	case err != nil:
		if serviceid.Unclear(err) {
			undo.addUnclearPolicy(api, res.Account, sid, in.InstanceID, in.Role, before)
		}
		return err
	case conflict:
		// There was none a moment ago: the policy IAM has is this run's,
		// made by a request repeated on the way (a proxy's retry, say).
		ids, err := api.Policies(ctx, res.Account, sid.IAMID, in.InstanceID, in.Role)
		if err != nil {
			undo.addUnclearPolicy(api, res.Account, sid, in.InstanceID, in.Role, before)
			return api.ListFailure(err, "setup_policies_list_failed", sid.ID)
		}
		for _, id := range ids {
			undo.addPolicy(api, sid.ID, id)
			policyID = id
		}
	default:
		undo.addPolicy(api, sid.ID, policyID)
	}
	res.PolicyID = policyID
	return nil
}

// undoList holds how to delete what setup created, newest last.
type undoList []undoStep

type undoStep struct {
	what string // message ID of what it is
	id   string // its ID, when known
	// command is the command that deletes the thing with the ID id.
	command func(id string) string
	remove  func(ctx context.Context, id string) error
	// find, for a create whose outcome is unclear, looks up what it made;
	// unverified is the line said when it cannot.
	find       func(ctx context.Context) ([]string, error)
	unverified string
	data       map[string]any
}

func (u *undoList) addServiceID(api *serviceid.Client, id string) {
	*u = append(*u, undoStep{what: "setup_undo_serviceid", id: id, remove: api.Delete, command: func(id string) string {
		return "ibmcloud iam service-id-delete " + shellWord(id) + " -f"
	}})
}

func (u *undoList) addUnclearServiceID(api *serviceid.Client, account, name string) {
	u.addServiceID(api, "")
	s := &(*u)[len(*u)-1]
	s.find = func(ctx context.Context) ([]string, error) {
		found, err := api.Find(ctx, account, name)
		ids := make([]string, len(found))
		for i, f := range found {
			ids[i] = f.ID
		}
		return ids, err
	}
	s.unverified = "setup_unverified_serviceid"
	s.data = map[string]any{"Name": name, "Command": "ibmcloud iam service-id " + shellWord(name)}
}

func (u *undoList) addPolicy(api *serviceid.Client, serviceID, id string) {
	*u = append(*u, undoStep{what: "setup_undo_policy", id: id, remove: api.Revoke, command: func(id string) string {
		return "ibmcloud iam service-policy-delete " + shellWord(serviceID) + " " + shellWord(id) + " -f"
	}})
}

func (u *undoList) addUnclearPolicy(api *serviceid.Client, account string, sid serviceid.ServiceID, instance, role string, before []string) {
	u.addPolicy(api, sid.ID, "")
	s := &(*u)[len(*u)-1]
	s.find = func(ctx context.Context) ([]string, error) {
		ids, err := api.Policies(ctx, account, sid.IAMID, instance, role)
		return without(ids, before), err
	}
	s.unverified = "setup_unverified_policy"
	s.data = map[string]any{"ID": sid.ID, "Command": "ibmcloud iam service-policies " + shellWord(sid.ID)}
}

func (u *undoList) addKey(api *serviceid.Client, serviceID, id string) {
	*u = append(*u, undoStep{what: "setup_undo_apikey", id: id, remove: api.DeleteKey, command: func(id string) string {
		return "ibmcloud iam service-api-key-delete " + shellWord(id) + " " + shellWord(serviceID) + " -f"
	}})
}

func (u *undoList) addUnclearKey(api *serviceid.Client, account string, sid serviceid.ServiceID, name string, before []string) {
	u.addKey(api, sid.ID, "")
	s := &(*u)[len(*u)-1]
	s.find = func(ctx context.Context) ([]string, error) {
		ids, err := api.Keys(ctx, account, sid.IAMID, name)
		return without(ids, before), err
	}
	s.unverified = "setup_unverified_apikey"
	s.data = map[string]any{"Name": name, "ID": sid.ID, "Command": "ibmcloud iam service-api-keys " + shellWord(sid.ID)}
}

// addFile records the key file setup published; undoing deletes it if it
// is still that file.
func (u *undoList) addFile(path string) {
	published, statErr := os.Lstat(path)
	*u = append(*u, undoStep{what: "setup_undo_file", id: path, command: removeCommand, remove: func(context.Context, string) error {
		now, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) || statErr != nil || (err == nil && !os.SameFile(published, now)) {
			return nil // gone, or not the file setup wrote
		}
		if err != nil {
			return err
		}
		return os.Remove(path)
	}})
}

func removeCommand(path string) string {
	if runtime.GOOS == "windows" {
		return `del "` + path + `"`
	}
	return "rm -- " + shellWord(path)
}

// without is ids less those in before.
func without(ids, before []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(before, id) {
			out = append(out, id)
		}
	}
	return out
}

// run undoes the steps, newest first, and returns what was undone and what
// could not be (with the command that removes it), for the failure message.
// Every ID in it came from a server: it is shown escaped, and quoted in the
// commands, so that none can rewrite a line or add a command.
func (u undoList) run(ctx context.Context, d *Deps) []string {
	var lines []string
	for i := len(u) - 1; i >= 0; i-- {
		s := u[i]
		ids := []string{s.id}
		if s.find != nil {
			found, err := s.find(ctx)
			if err != nil {
				lines = append(lines, output.SafeLine(d.T.T(s.unverified, s.data)))
				continue
			}
			ids = found
		}
		for _, id := range ids {
			data := map[string]any{"What": d.T.T(s.what), "ID": id, "Command": s.command(id)}
			var err error
			for attempt := 0; attempt < 2; attempt++ {
				if err = s.remove(ctx, id); err == nil || ctx.Err() != nil {
					break
				}
				select {
				case <-ctx.Done():
				case <-time.After(200 * time.Millisecond):
				}
			}
			msg := "setup_undone"
			if err != nil {
				msg = "setup_undo_failed"
			}
			lines = append(lines, output.SafeLine(d.T.T(msg, data)))
		}
	}
	return lines
}

// shellWord is s as one word of a POSIX shell command line: as it is when
// it holds nothing a shell treats specially, else quoted.
func shellWord(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%_+=:,./-", r))
	}) < 0 {
		return s
	}
	return output.ShellQuote(s)
}
