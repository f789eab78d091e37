package serviceid

import (
	"cmp"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kp-token/kp-token/plugin/apikey"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/signals"
)

// Rotation is what 'setup --rotate' does: a new API key for the service ID
// named Name, saved to File once IAM has given a token for it, then the
// old key deleted: the one File held, or, when File did not exist, the
// service ID's keys named Name (the name setup gives its keys).
//
// The old key stays valid, and in File, until the new one works: the new
// key goes first to a file of its own (Pending), is proved with a token
// exchange, and only then replaces File; a process killed on the way
// leaves both keys on disk. Until File is replaced, a failure or a signal
// undoes what the rotation made; after, nothing is undone, and what could
// not be deleted is said with the command that deletes it.
type Rotation struct {
	Account string
	Name    string
	File    string
	// KeepOld keeps the old keys.
	KeepOld bool
	// Force replaces a Pending file that an interrupted rotation left.
	Force bool
	// CreatedAt dates the key file.
	CreatedAt time.Time
	// Prove gets a token for a key (credential.Resolver.Exchange); ctx
	// ends the wait.
	Prove func(ctx context.Context, key string) error
	// ProveWait is the pause before asking again when IAM does not know
	// the key it has just made (its replicas may lag behind).
	ProveWait time.Duration

	// What Check read: whether File existed, and the key it holds.
	fileExisted bool
	oldSecret   string
}

// Rotated is what a rotation did. It never holds a key.
type Rotated struct {
	ServiceID, IAMID string
	// APIKeyID is the new key's ID.
	APIKeyID string
	// Deleted and Kept are the old keys' IDs.
	Deleted, Kept []string
}

// Pending is where the new key waits until it has proved to work.
func (r *Rotation) Pending() string { return r.File + ".new" }

// Check reads File and refuses, before any server is asked, what needs
// none to refuse. secrets learns the key File holds.
func (r *Rotation) Check(secrets *failure.Secrets) error {
	data := map[string]any{"Path": r.File}
	st, err := os.Lstat(r.File)
	switch {
	case err == nil && !st.Mode().IsRegular():
		return failure.New("setup_keyfile_not_regular", data).WithRemedy("setup_keyfile_remedy", nil)
	case err == nil:
		k, err := apikey.FromFlag("@"+r.File, nil)
		if err != nil {
			return err
		}
		secrets.Add(k.Value)
		r.fileExisted, r.oldSecret = true, k.Value
	case !errors.Is(err, fs.ErrNotExist):
		return failure.New("tokenfile_write_failed", data).WithRemedy("tokenfile_write_remedy", nil).Wrap(err)
	}
	if st, err := os.Stat(filepath.Dir(r.File)); err != nil || !st.IsDir() {
		return failure.New("tokenfile_write_failed", data).WithRemedy("tokenfile_write_remedy", nil)
	}
	if _, err := os.Lstat(r.Pending()); err == nil && !r.Force {
		return failure.New("setup_rotate_pending_exists", map[string]any{"Path": r.Pending()}).
			WithRemedy("setup_rotate_pending_remedy", map[string]any{"Path": r.Pending(), "File": r.File})
	}
	return nil
}

// rotation is one run of a Rotation.
type rotation struct {
	Rotation
	api     *Client
	notify  Notifier
	secrets *failure.Secrets
	res     *Rotated
	undo    undoList
	// old are the keys to replace; saved is set once File holds the new
	// key.
	old   []string
	saved bool
}

// Run rotates the key with api (Check first). A signal (intr) stops it:
// before File is replaced, what it made is undone and the old key stays
// valid; after, the old keys not yet deleted stay, and are listed.
func (r Rotation) Run(api *Client, intr Interrupt, notify Notifier, secrets *failure.Secrets) (Rotated, error) {
	var res Rotated
	s := &rotation{Rotation: r, api: api, notify: notify, secrets: secrets, res: &res}
	err := s.replace(intr.Work())
	if !s.saved {
		return res, s.undone(err, intr)
	}
	// File holds the new key, which works: nothing is undone from here.
	_ = os.Remove(r.Pending())
	if r.KeepOld {
		res.Kept = s.old
		if sig := intr.Stop(); sig != nil {
			return res, failure.New("setup_rotate_interrupted_saved", s.savedData(sig)).WithExitCode(signals.ExitCode(sig))
		}
		return res, nil
	}
	return res, s.deleteOld(intr)
}

// undone undoes what the rotation made before File was replaced, and says
// why it stopped: err, or the signal intr caught.
func (s *rotation) undone(err error, intr Interrupt) error {
	stoppedBy := intr.Caught()
	lines := s.undo.run(intr.Undo())
	if len(s.old) > 0 && len(lines) > 0 {
		lines = append(lines, failure.Line{ID: "setup_rotate_old_valid"})
	}
	if stoppedBy != nil {
		data := map[string]any{"Signal": signals.Name(stoppedBy)}
		if len(lines) == 0 {
			return failure.New("setup_rotate_interrupted_none", data).WithExitCode(signals.ExitCode(stoppedBy))
		}
		f := failure.New("setup_rotate_interrupted", data).WithExitCode(signals.ExitCode(stoppedBy))
		f.Lines = lines
		return f
	}
	f, ok := failure.As(err)
	if !ok {
		f = failure.New("unexpected_error", map[string]any{"Detail": err.Error()}).Wrap(err)
	}
	f.Lines = append(f.Lines, lines...)
	if sig := intr.Stop(); sig != nil {
		f.WithExitCode(signals.ExitCode(sig))
	}
	return f
}

// replace makes the new key and puts it in File; ctx is cancelled by a
// signal. What it makes is on the undo list until File is replaced.
func (s *rotation) replace(ctx context.Context) error {
	sid, err := named(ctx, s.api, s.Account, s.Name)
	if err != nil {
		return err
	}
	s.res.ServiceID, s.res.IAMID = sid.ID, sid.IAMID
	keys, err := s.api.ListKeys(ctx, s.Account, sid.IAMID)
	if err != nil {
		return s.api.ListFailure(err, "setup_keys_list_failed", sid.ID)
	}
	description, err := s.oldKeys(ctx, sid, keys)
	if err != nil {
		return err
	}
	var sameName []string
	for _, k := range keys {
		if k.Name == s.Name {
			sameName = append(sameName, k.ID)
		}
	}
	s.notify.Notice("setup_progress_rotate_apikey", map[string]any{"Name": s.Name, "ID": sid.ID})
	key, err := s.api.CreateKey(ctx, s.Account, sid.IAMID, s.Name, description)
	if key.ID != "" {
		s.undo.addKey(s.api, sid.ID, key.ID)
	} else if err != nil && Unclear(err) {
		s.undo.addUnclearKey(s.api, s.Account, sid, s.Name, sameName)
	}
	if err != nil {
		return err
	}
	s.secrets.Add(key.Secret)
	s.res.APIKeyID = key.ID
	doc, err := keyDocument(s.Name, description, s.CreatedAt, key.Secret)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := writeKeyFile(s.Pending(), doc, s.Force); err != nil {
		return err
	}
	s.undo.addFile(s.Pending())
	s.notify.Notice("setup_progress_rotate_check", map[string]any{"ID": key.ID})
	if err := s.prove(ctx, key.ID, key.Secret); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.unchanged(); err != nil {
		return err
	}
	if err := writeKeyFile(s.File, doc, s.fileExisted); err != nil {
		return err
	}
	s.saved = true
	return nil
}

// oldKeys finds the keys the new one replaces, and the description the
// new key takes over from them.
func (s *rotation) oldKeys(ctx context.Context, sid ServiceID, keys []Key) (description string, err error) {
	if !s.fileExisted {
		for _, k := range keys {
			if k.Name == s.Name {
				s.old = append(s.old, k.ID)
				description = cmp.Or(description, k.Description)
			}
		}
		return description, nil
	}
	k, found, err := s.api.KeyOf(ctx, s.oldSecret)
	switch {
	case err != nil:
		return "", s.api.Failure(err, "setup_key_details_failed", map[string]any{"Path": s.File})
	case !found:
		// A key IAM does not show may still work for an identity the
		// caller cannot see: File is replaced only when the key works
		// nowhere, and no key is deleted for it.
		err := s.Prove(ctx, s.oldSecret)
		if err == nil {
			return "", notTheirs(s.File, sid)
		}
		if !failure.Is(err, failure.KindNotFound) {
			return "", err
		}
		s.notify.Notice("setup_rotate_key_unknown", map[string]any{"Path": s.File})
		return "", nil
	case k.IAMID != sid.IAMID:
		return "", notTheirs(s.File, sid)
	}
	s.old = []string{k.ID}
	return k.Description, nil
}

// prove gets a token for the new key, asking again (twice) while IAM says
// it does not know the key yet.
func (s *rotation) prove(ctx context.Context, id, secret string) error {
	wait := s.ProveWait
	for attempt := 1; ; attempt++ {
		err := s.Prove(ctx, secret)
		if err == nil || ctx.Err() != nil {
			return err
		}
		if attempt < 3 && failure.Is(err, failure.KindNotFound) {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			wait *= 2
			continue
		}
		f, ok := failure.As(err)
		if !ok || failure.IsOutage(err) {
			return err // IAM was out of reach: that failure says it
		}
		return failure.New("setup_rotate_proof_failed", map[string]any{"ID": id}).WithReason(f.Cause, f.CauseData).
			WithRemedy("setup_step_failed_remedy", nil).Wrap(err)
	}
}

// unchanged checks that File still holds the key read at the start: a
// file someone changed meanwhile is theirs.
func (s *rotation) unchanged() error {
	if !s.fileExisted {
		return nil // a file that appears is not replaced (writeKeyFile)
	}
	if k, err := apikey.FromFlag("@"+s.File, nil); err != nil || k.Value != s.oldSecret {
		return failure.New("setup_rotate_file_changed", map[string]any{"Path": s.File}).WithRemedy("setup_step_failed_remedy", nil)
	}
	return nil
}

// deleteOld deletes the old keys once File holds the new one. A signal
// stops it after the deletion under way; what is left is listed with the
// command that deletes it.
func (s *rotation) deleteOld(intr Interrupt) error {
	var lines []failure.Line
	var failed error
	for i, id := range s.old {
		if intr.Caught() != nil {
			lines = append(lines, s.leftLines(s.old[i:])...)
			break
		}
		s.notify.Notice("setup_progress_rotate_delete", map[string]any{"ID": id})
		err := s.api.DeleteKey(intr.Work(), id)
		unverified := false
		if err != nil && (Unclear(err) || errors.Is(err, context.Canceled)) {
			// The answer was lost (a signal, a reset, a 5xx): the key may
			// be gone all the same.
			if gone, lerr := s.gone(intr.Undo(), id); lerr != nil {
				unverified = true
			} else if gone {
				err = nil
			}
		}
		if err == nil {
			s.res.Deleted = append(s.res.Deleted, id)
			lines = append(lines, failure.Line{ID: "setup_rotate_deleted", Data: map[string]any{"ID": id}})
			continue
		}
		if intr.Caught() == nil {
			// The lines say how to finish; running the rotation again
			// would replace the new key.
			failed = s.api.failure(err, "setup_rotate_delete_failed", map[string]any{"ID": id}, "")
		}
		if unverified {
			lines = append(lines, failure.Line{ID: "setup_rotate_unverified", Data: map[string]any{"ID": id,
				"Command": "ibmcloud iam service-api-keys " + output.ShellWord(s.res.ServiceID)}})
		} else {
			lines = append(lines, s.leftLines([]string{id})...)
		}
		lines = append(lines, s.leftLines(s.old[i+1:])...)
		break
	}
	if sig := intr.Stop(); sig != nil {
		f := failure.New("setup_rotate_interrupted_saved", s.savedData(sig)).WithExitCode(signals.ExitCode(sig))
		f.Lines = lines
		return f
	}
	if failed == nil {
		return nil
	}
	f, _ := failure.As(failed)
	f.Lines = append([]failure.Line{{ID: "setup_rotate_saved", Data: map[string]any{"ID": s.res.APIKeyID, "Path": s.File}}}, lines...)
	return f
}

// gone reports whether the service ID no longer has the key id.
func (s *rotation) gone(ctx context.Context, id string) (bool, error) {
	keys, err := s.api.ListKeys(ctx, s.Account, s.res.IAMID)
	return !slices.ContainsFunc(keys, func(k Key) bool { return k.ID == id }), err
}

// leftLines say that the keys ids are still valid, and how to delete them.
func (s *rotation) leftLines(ids []string) []failure.Line {
	var lines []failure.Line
	for _, id := range ids {
		lines = append(lines, failure.Line{ID: "setup_rotate_left", Data: map[string]any{"ID": id,
			"Command": "ibmcloud iam service-api-key-delete " + output.ShellWord(id) + " " + output.ShellWord(s.res.ServiceID) + " -f"}})
	}
	return lines
}

// savedData is the data of a rotation stopped by sig once File held the
// new key.
func (s *rotation) savedData(sig os.Signal) map[string]any {
	return map[string]any{"ID": s.res.APIKeyID, "Path": s.File, "Signal": signals.Name(sig)}
}

// notTheirs is the failure of a key file that holds another identity's
// key.
func notTheirs(path string, sid ServiceID) error {
	return failure.New("setup_keyfile_not_theirs", map[string]any{"Path": path, "Name": sid.Name, "ID": sid.ID}).
		WithRemedy("setup_keyfile_not_theirs_remedy", nil)
}

// named is the one service ID named name in the account.
func named(ctx context.Context, api *Client, account, name string) (ServiceID, error) {
	found, err := api.Find(ctx, account, name)
	if err != nil {
		return ServiceID{}, err
	}
	data := map[string]any{"Name": name, "Account": account}
	switch len(found) {
	case 0:
		return ServiceID{}, failure.New("setup_serviceid_not_found", data).WithRemedy("setup_serviceid_not_found_remedy", nil)
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, f := range found {
		ids[i] = f.ID
	}
	data["IDs"] = strings.Join(ids, ", ")
	return ServiceID{}, failure.New("setup_serviceid_several", data).WithRemedy("setup_serviceid_several_remedy", nil)
}
