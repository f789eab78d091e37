package serviceid

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"slices"

	"github.com/kp-token/kp-token/plugin/apikey"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/signals"
)

// Removal is what 'setup --remove' deletes: the service ID named Name,
// its access policies first, then the service ID itself (IAM deletes its
// API keys with it), then File when one is named. Survey finds what that
// is, so that the user can see it before anything is deleted.
type Removal struct {
	Account, Name string
	// File is the service ID's key file, deleted last; "" keeps every
	// file.
	File string
	// Prove gets a token for a key (credential.Resolver.Exchange): a key
	// IAM does not show is deleted with File only when it works nowhere.
	Prove func(ctx context.Context, key string) error

	fileKey string // the key File holds, read by Check
}

// Inventory is what a removal deletes, as found before anything is.
type Inventory struct {
	Account   string
	ServiceID ServiceID
	Policies  []string
	Keys      []Key
	File      string
}

// Check reads File, when one is named, before any server is asked: it must
// be a regular file that holds an API key. secrets learns the key.
func (r *Removal) Check(secrets *failure.Secrets) error {
	if r.File == "" {
		return nil
	}
	st, err := os.Lstat(r.File)
	if err == nil && !st.Mode().IsRegular() {
		return failure.New("setup_keyfile_not_regular", map[string]any{"Path": r.File}).WithRemedy("setup_keyfile_remedy", nil)
	}
	k, err := apikey.FromFlag("@"+r.File, nil)
	if err != nil {
		return err
	}
	secrets.Add(k.Value)
	r.fileKey = k.Value
	return nil
}

// Survey finds the service ID, its access policies and its API keys, and
// checks that File holds a key of that service ID (or one IAM no longer
// knows). A signal stops it with nothing deleted.
func (r Removal) Survey(api *Client, intr Interrupt) (Inventory, error) {
	inv, err := r.survey(intr.Work(), api)
	if sig := intr.Stop(); sig != nil {
		return inv, failure.New("setup_remove_interrupted_none", map[string]any{"Signal": signals.Name(sig)}).
			WithExitCode(signals.ExitCode(sig))
	}
	return inv, err
}

func (r Removal) survey(ctx context.Context, api *Client) (Inventory, error) {
	inv := Inventory{Account: r.Account, File: r.File}
	sid, err := named(ctx, api, r.Account, r.Name)
	if err != nil {
		return inv, err
	}
	inv.ServiceID = sid
	if r.fileKey != "" {
		k, found, err := api.KeyOf(ctx, r.fileKey)
		switch {
		case err != nil:
			return inv, api.Failure(err, "setup_key_details_failed", map[string]any{"Path": r.File})
		case !found:
			// It may still work for an identity the caller cannot see.
			if err := r.Prove(ctx, r.fileKey); err == nil {
				return inv, notTheirs(r.File, sid)
			} else if !failure.Is(err, failure.KindNotFound) {
				return inv, err
			}
		case k.IAMID != sid.IAMID:
			return inv, notTheirs(r.File, sid)
		}
	}
	if inv.Policies, err = api.AccessPolicies(ctx, r.Account, sid.IAMID); err != nil {
		return inv, api.ListFailure(err, "setup_policies_list_failed", sid.ID)
	}
	if inv.Keys, err = api.ListKeys(ctx, r.Account, sid.IAMID); err != nil {
		return inv, api.ListFailure(err, "setup_keys_list_failed", sid.ID)
	}
	return inv, nil
}

// deletion is one thing a removal deletes, and the lines that say how it
// went.
type deletion struct {
	data                                map[string]any
	progress, deleted, left, unverified string
	remove                              func(ctx context.Context) error
	gone                                func(ctx context.Context) (bool, error)
	failure                             func(err error) error
	leftCommand, verifyCommand          string
}

// Delete deletes the inventory in order: the access policies, the service
// ID, the file. It stops at the first failure, or after the deletion under
// way when a signal comes (intr); either way the failure says what was
// deleted and what was not, with the command that finishes the work.
func (inv Inventory) Delete(api *Client, intr Interrupt, notify Notifier) error {
	var lines []failure.Line
	var failed error
	steps := inv.deletions(api)
	for i, d := range steps {
		if intr.Caught() != nil {
			lines = append(lines, leftLines(steps[i:])...)
			break
		}
		notify.Notice(d.progress, d.data)
		err := d.remove(intr.Work())
		unverified := false
		if err != nil && d.gone != nil && (Unclear(err) || errors.Is(err, context.Canceled)) {
			// The answer was lost (a signal, a reset, a 5xx): it may be
			// gone all the same.
			if gone, lerr := d.gone(intr.Undo()); lerr != nil {
				unverified = true
			} else if gone {
				err = nil
			}
		}
		if err == nil {
			lines = append(lines, failure.Line{ID: d.deleted, Data: d.data})
			continue
		}
		if intr.Caught() == nil {
			failed = d.failure(err)
		}
		if unverified {
			lines = append(lines, failure.Line{ID: d.unverified, Data: with(d.data, "Command", d.verifyCommand)})
		} else {
			lines = append(lines, leftLines(steps[i:i+1])...)
		}
		lines = append(lines, leftLines(steps[i+1:])...)
		break
	}
	if sig := intr.Stop(); sig != nil {
		f := failure.New("setup_remove_interrupted", map[string]any{"Signal": signals.Name(sig)}).WithExitCode(signals.ExitCode(sig))
		f.Lines = lines
		return f
	}
	if failed == nil {
		return nil
	}
	f, _ := failure.As(failed)
	f.Lines = append(f.Lines, lines...)
	return f
}

func leftLines(ds []deletion) []failure.Line {
	lines := make([]failure.Line, len(ds))
	for i, d := range ds {
		lines[i] = failure.Line{ID: d.left, Data: with(d.data, "Command", d.leftCommand)}
	}
	return lines
}

// with is data and one more entry.
func with(data map[string]any, k string, v any) map[string]any {
	out := map[string]any{k: v}
	for key, val := range data {
		out[key] = val
	}
	return out
}

// deletions are the steps of Delete, in order.
func (inv Inventory) deletions(api *Client) []deletion {
	sid := inv.ServiceID
	var steps []deletion
	listPolicies := "ibmcloud iam service-policies " + output.ShellWord(sid.ID)
	for _, id := range inv.Policies {
		data := map[string]any{"ID": id}
		steps = append(steps, deletion{data: data, progress: "setup_progress_remove_policy", deleted: "setup_remove_deleted_policy", left: "setup_remove_left_policy",
			unverified:  "setup_remove_unverified_policy",
			remove:      func(ctx context.Context) error { return api.Revoke(ctx, id) },
			leftCommand: "ibmcloud iam service-policy-delete " + output.ShellWord(sid.ID) + " " + output.ShellWord(id) + " -f", verifyCommand: listPolicies,
			gone: func(ctx context.Context) (bool, error) {
				ids, err := api.AccessPolicies(ctx, inv.Account, sid.IAMID)
				return !slices.Contains(ids, id), err
			},
			failure: func(err error) error {
				return api.Failure(err, "setup_remove_policy_failed", map[string]any{"ID": id})
			}})
	}
	data := map[string]any{"Name": sid.Name, "ID": sid.ID}
	steps = append(steps, deletion{data: data, progress: "setup_progress_remove_serviceid", deleted: "setup_remove_deleted_serviceid", left: "setup_remove_left_serviceid",
		unverified:  "setup_remove_unverified_serviceid",
		remove:      func(ctx context.Context) error { return api.Delete(ctx, sid.ID) },
		leftCommand: "ibmcloud iam service-id-delete " + output.ShellWord(sid.ID) + " -f", verifyCommand: "ibmcloud iam service-id " + output.ShellWord(sid.ID),
		gone: func(ctx context.Context) (bool, error) {
			found, err := api.Find(ctx, inv.Account, sid.Name)
			return !slices.ContainsFunc(found, func(s ServiceID) bool { return s.ID == sid.ID }), err
		},
		failure: func(err error) error {
			return api.Failure(err, "setup_remove_serviceid_failed", map[string]any{"ID": sid.ID})
		}})
	if inv.File != "" {
		path := inv.File
		data := map[string]any{"Path": path}
		steps = append(steps, deletion{data: data, progress: "setup_progress_remove_file", deleted: "setup_remove_deleted_file", left: "setup_remove_left_file",
			remove: func(context.Context) error {
				if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
				return nil
			},
			leftCommand: removeCommand(path),
			failure: func(err error) error {
				return failure.New("setup_remove_file_failed", map[string]any{"Path": path}).Wrap(err).WithDetail(err.Error())
			}})
	}
	return steps
}
