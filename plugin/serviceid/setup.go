package serviceid

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"time"

	"github.com/kp-token/kp-token/plugin/atomicfile"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/signals"
)

// Plan is what 'setup' makes, checked before anything is created.
type Plan struct {
	Account     string
	Name        string // of the service ID and its API key
	Description string
	InstanceID  string // the Key Protect instance the policy opens
	Role        string // one of Roles
	File        string // receives the API key
	// Reuse takes the service ID of that name when there is one; Force
	// replaces File when it exists.
	Reuse, Force bool
	// CreatedAt dates the key file.
	CreatedAt time.Time
}

// Result is what setup made. It never holds the key itself.
type Result struct {
	ServiceID, IAMID string
	Reused           bool   // the service ID was there
	PolicyID         string // empty when a reused service ID had the policy
	APIKeyID         string
}

// Notifier is told, as message IDs and their data, how setup goes.
type Notifier interface {
	Notice(id string, data map[string]any)
}

// Interrupt is how signals reach setup (signals.Interrupt): the first
// cancels Work and setup undoes what it made; a second cancels Undo too.
type Interrupt interface {
	Work() context.Context
	Undo() context.Context
	Caught() os.Signal
	Stop() os.Signal
}

// Run makes the plan with api: the service ID (or, with Reuse, the one of
// that name), its access policy on the instance, its API key, and the key
// file. It is all or nothing: when a step fails, or a signal stops it, what
// it made is undone, and the failure lists what was undone and what could
// not be, with the command that deletes it. secrets learns the new key.
func (p Plan) Run(api *Client, intr Interrupt, notify Notifier, secrets *failure.Secrets) (Result, error) {
	var res Result
	var undo undoList
	err := p.steps(intr.Work(), api, notify, secrets, &res, &undo)
	stoppedBy := intr.Caught()
	if err == nil && stoppedBy == nil {
		// Complete: from here a signal ends the process as usual, and
		// leaves a complete setup; one that came just before is honoured.
		if stoppedBy = intr.Stop(); stoppedBy == nil {
			return res, nil
		}
	}
	lines := undo.run(intr.Undo())
	if stoppedBy != nil {
		return res, interrupted(stoppedBy, lines)
	}
	f, ok := failure.As(err)
	if !ok {
		f = failure.New("unexpected_error", map[string]any{"Detail": err.Error()}).Wrap(err)
	}
	f.Lines = append(f.Lines, lines...)
	if sig := intr.Stop(); sig != nil {
		// Stopped while undoing: the cause stays the failure, the status
		// says the signal.
		f.WithExitCode(signals.ExitCode(sig))
	}
	return res, f
}

// interrupted is the failure of a setup a signal stopped: what was undone
// and what was not, and the signal's exit status.
func interrupted(sig os.Signal, lines []failure.Line) error {
	data := map[string]any{"Signal": signals.Name(sig)}
	if len(lines) == 0 {
		return failure.New("setup_interrupted_none", data).WithExitCode(signals.ExitCode(sig))
	}
	f := failure.New("setup_interrupted", data).WithExitCode(signals.ExitCode(sig))
	f.Lines = lines
	return f
}

// steps runs the steps, recording how to undo each one that succeeded, and
// each create whose outcome is unclear (a reset, a timeout, a 5xx, an
// interruption): the undo looks up what such a create left and deletes it.
// ctx is cancelled by a signal.
func (p Plan) steps(ctx context.Context, api *Client, notify Notifier, secrets *failure.Secrets, res *Result, undo *undoList) error {
	found, err := api.Find(ctx, p.Account, p.Name)
	if err != nil {
		return err
	}
	var sid ServiceID
	switch {
	case len(found) > 0 && !p.Reuse:
		return failure.New("setup_serviceid_exists", map[string]any{"Name": p.Name, "ID": found[0].ID}).
			WithRemedy("setup_serviceid_exists_remedy", nil)
	case len(found) > 0:
		sid, res.Reused = found[0], true
		notify.Notice("setup_progress_reuse", map[string]any{"Name": p.Name, "ID": sid.ID})
	default:
		notify.Notice("setup_progress_serviceid", map[string]any{"Name": p.Name})
		// None was there: any of that name found after an unclear
		// outcome is this run's.
		if sid, err = api.Create(ctx, p.Account, p.Name, p.Description); err != nil {
			if Unclear(err) {
				undo.addUnclearServiceID(api, p.Account, p.Name)
			}
			return err
		}
		undo.addServiceID(api, sid.ID)
	}
	res.ServiceID, res.IAMID = sid.ID, sid.IAMID

	if err := p.grant(ctx, notify, api, res, sid, undo); err != nil {
		return err
	}

	notify.Notice("setup_progress_apikey", nil)
	var keysBefore []string
	if res.Reused {
		// A reused service ID may have keys of that name already: they are
		// not this run's to delete.
		if keysBefore, err = api.Keys(ctx, p.Account, sid.IAMID, p.Name); err != nil {
			return api.ListFailure(err, "setup_keys_list_failed", sid.ID)
		}
	}
	key, err := api.CreateKey(ctx, p.Account, sid.IAMID, p.Name, p.Description)
	if key.ID != "" {
		undo.addKey(api, sid.ID, key.ID)
	} else if err != nil && Unclear(err) {
		// Its secret, if it was made, is lost with the reply: delete it.
		undo.addUnclearKey(api, p.Account, sid, p.Name, keysBefore)
	}
	if err != nil {
		return err
	}
	secrets.Add(key.Secret)
	res.APIKeyID = key.ID
	if err := ctx.Err(); err != nil {
		return err
	}

	if err := p.writeKey(key.Secret); err != nil {
		return err
	}
	undo.addFile(p.File)
	return nil
}

// writeKey writes the key file.
func (p Plan) writeKey(secret string) error {
	doc, err := keyDocument(p.Name, p.Description, p.CreatedAt, secret)
	if err != nil {
		return err
	}
	return writeKeyFile(p.File, doc, p.Force)
}

// keyDocument is a key file's content, in the shape 'ibmcloud iam
// service-api-key-create --file' writes, so that every tool that reads
// those files reads kp-token's.
func keyDocument(name, description string, createdAt time.Time, secret string) ([]byte, error) {
	doc, err := json.MarshalIndent(map[string]string{
		"name": name, "description": description,
		"createdAt": createdAt.UTC().Format("2006-01-02T15:04-0700"), "apikey": secret,
	}, "", "  ")
	return append(doc, '\n'), err
}

// writeKeyFile writes a key file: 0600, whole or not at all, and over an
// existing file only when replace is set.
func writeKeyFile(path string, doc []byte, replace bool) error {
	// Signals stay with the caller's handler during the write: the write
	// ends whole or leaves nothing, and the caller then undoes what it made.
	err := atomicfile.WriteWith(path, doc, atomicfile.Options{SignalsHeld: true, NoReplace: !replace})
	if errors.Is(err, fs.ErrExist) && !replace {
		// Made by someone else since the plan was checked: theirs, left as
		// it is.
		return failure.New("setup_file_appeared", map[string]any{"Path": path}).WithRemedy("setup_file_exists_remedy", nil)
	}
	if err != nil {
		return failure.New("setup_file_write_failed", map[string]any{"Path": path}).
			WithRemedy("tokenfile_write_remedy", nil).Wrap(err).WithDetail(err.Error())
	}
	return nil
}

// grant gives the service ID its access policy, unless a reused service ID
// has it already.
func (p Plan) grant(ctx context.Context, notify Notifier, api *Client, res *Result, sid ServiceID, undo *undoList) error {
	notify.Notice("setup_progress_policy", map[string]any{"Role": p.Role, "Instance": p.InstanceID})
	var before []string
	if res.Reused {
		// Asked before the create, so that a 409 cannot be mistaken for a
		// policy that was there: a new service ID has none.
		var err error
		if before, err = api.Policies(ctx, p.Account, sid.IAMID, p.InstanceID, p.Role); err != nil {
			return api.ListFailure(err, "setup_policies_list_failed", sid.ID)
		}
		if len(before) > 0 {
			return nil
		}
	}
	policyID, conflict, err := api.Grant(ctx, p.Account, sid.IAMID, p.InstanceID, p.Role)
	switch {
	case err != nil:
		if Unclear(err) {
			undo.addUnclearPolicy(api, p.Account, sid, p.InstanceID, p.Role, before)
		}
		return err
	case conflict:
		// There was none a moment ago: the policy IAM has is this run's,
		// made by a request repeated on the way (a proxy's retry, say).
		ids, err := api.Policies(ctx, p.Account, sid.IAMID, p.InstanceID, p.Role)
		if err != nil {
			undo.addUnclearPolicy(api, p.Account, sid, p.InstanceID, p.Role, before)
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
