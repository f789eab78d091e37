package serviceid

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
)

// undoList holds how to delete what setup created, newest last.
type undoList []undoStep

type undoStep struct {
	what failure.Msg // what it is, a noun phrase (setup_undo_...)
	id   string      // its ID, when known
	// command is the command that deletes the thing with the ID id.
	command func(id string) string
	remove  func(ctx context.Context, id string) error
	// find, for a create whose outcome is unclear, looks up what it made;
	// unverified is the line said when it cannot.
	find       func(ctx context.Context) ([]string, error)
	unverified string
	data       map[string]any
}

func (u *undoList) addServiceID(api *Client, id string) {
	*u = append(*u, undoStep{what: "setup_undo_serviceid", id: id, remove: api.Delete, command: func(id string) string {
		return "ibmcloud iam service-id-delete " + output.ShellWord(id) + " -f"
	}})
}

func (u *undoList) addUnclearServiceID(api *Client, account, name string) {
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
	s.data = map[string]any{"Name": name, "Command": "ibmcloud iam service-id " + output.ShellWord(name)}
}

func (u *undoList) addPolicy(api *Client, serviceID, id string) {
	*u = append(*u, undoStep{what: "setup_undo_policy", id: id, remove: api.Revoke, command: func(id string) string {
		return "ibmcloud iam service-policy-delete " + output.ShellWord(serviceID) + " " + output.ShellWord(id) + " -f"
	}})
}

func (u *undoList) addUnclearPolicy(api *Client, account string, sid ServiceID, instance, role string, before []string) {
	u.addPolicy(api, sid.ID, "")
	s := &(*u)[len(*u)-1]
	s.find = func(ctx context.Context) ([]string, error) {
		ids, err := api.Policies(ctx, account, sid.IAMID, instance, role)
		return without(ids, before), err
	}
	s.unverified = "setup_unverified_policy"
	s.data = map[string]any{"ID": sid.ID, "Command": "ibmcloud iam service-policies " + output.ShellWord(sid.ID)}
}

func (u *undoList) addKey(api *Client, serviceID, id string) {
	*u = append(*u, undoStep{what: "setup_undo_apikey", id: id, remove: api.DeleteKey, command: func(id string) string {
		return "ibmcloud iam service-api-key-delete " + output.ShellWord(id) + " " + output.ShellWord(serviceID) + " -f"
	}})
}

func (u *undoList) addUnclearKey(api *Client, account string, sid ServiceID, name string, before []string) {
	u.addKey(api, sid.ID, "")
	s := &(*u)[len(*u)-1]
	s.find = func(ctx context.Context) ([]string, error) {
		ids, err := api.Keys(ctx, account, sid.IAMID, name)
		return without(ids, before), err
	}
	s.unverified = "setup_unverified_apikey"
	s.data = map[string]any{"Name": name, "ID": sid.ID, "Command": "ibmcloud iam service-api-keys " + output.ShellWord(sid.ID)}
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
	return "rm -- " + output.ShellWord(path)
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
// could not be (with the command that removes it), for the failure
// message. Every ID in it came from a server: the lines are shown escaped
// (failure.Line), and the IDs quoted in the commands, so that none can
// rewrite a line or add a command.
func (u undoList) run(ctx context.Context) []failure.Line {
	var lines []failure.Line
	for i := len(u) - 1; i >= 0; i-- {
		s := u[i]
		ids := []string{s.id}
		if s.find != nil {
			found, err := s.find(ctx)
			if err != nil {
				lines = append(lines, failure.Line{ID: s.unverified, Data: s.data})
				continue
			}
			ids = found
		}
		for _, id := range ids {
			data := map[string]any{"What": s.what, "ID": id, "Command": s.command(id)}
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
			lines = append(lines, failure.Line{ID: msg, Data: data})
		}
	}
	return lines
}
