package token

import (
	"context"
	"encoding/json"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/core_config"
	"github.com/gofrs/flock"

	"github.com/kp-token/kp-token/plugin/atomicfile"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/privatefs"
	"github.com/kp-token/kp-token/plugin/signals"
)

// ConfigSession renews the CLI's session as a critical section:
//
//   - one renewal at a time across kp-token processes, under a lock of
//     kp-token's own (the SDK's flock on config.json is only held per write);
//   - after taking it, the session is read again, and a token another
//     process renewed meanwhile is used as is;
//   - the SDK renews (PluginContext's RefreshIAMToken, VPC and PowerVS
//     compute-resource sessions included) on a private copy of the config,
//     so its three whole-file writes of a stale snapshot never reach the
//     CLI's file;
//   - only the token fields are then written onto a fresh read of
//     config.json, once, atomically, with SIGINT, SIGTERM and SIGHUP held until the
//     write is done.
type ConfigSession struct {
	ConfigPath string        // the CLI's config.json
	LockPath   string        // kp-token's own renewal lock
	LockWait   time.Duration // how long to wait for another renewal
	// Exit ends the process for a signal that arrives before the write
	// (nothing to protect then); tests leave it nil to disable signals.
	Exit func(code int)
}

// sessionFields are the fields of config.json a renewal changes.
var sessionFields = []string{"IAMToken", "IAMRefreshToken", "LastSessionUpdateTime"}

// Renew returns a session access token ("Bearer ...") that stays valid for
// longer than minValidity: one another process renewed since previous was
// read, or a new one.
func (c *ConfigSession) Renew(previous string, minValidity time.Duration, now func() time.Time) (string, error) {
	if err := os.MkdirAll(filepath.Dir(c.LockPath), 0o700); err != nil {
		return "", c.configFailure("config_write_failed", err)
	}
	lock := flock.New(c.LockPath)
	ctx, cancel := context.WithTimeout(context.Background(), c.LockWait)
	defer cancel()
	if ok, err := lock.TryLock(); err != nil || !ok {
		if ok, err = lock.TryLockContext(ctx, 20*time.Millisecond); err != nil || !ok {
			return "", failure.New("session_lock_timeout", map[string]any{"Duration": failure.Duration(c.LockWait)}).
				WithRemedy("session_lock_timeout_remedy", nil)
		}
	}
	defer lock.Unlock()

	raw, err := c.read()
	if err != nil {
		return "", err
	}
	var current string
	_ = json.Unmarshal(raw["IAMToken"], &current)
	if t, err := fromAccessToken(current, now()); err == nil && StripBearer(current) != StripBearer(previous) && t.ExpiresAt().Sub(now()) > minValidity {
		return current, nil // another process renewed it while we waited
	}

	renewed, fields, err := c.renewOnCopy(raw)
	if err != nil {
		return "", err
	}
	if err := c.writeBack(fields); err != nil {
		return "", err
	}
	return renewed, nil
}

// read reads config.json as raw fields, keeping every field the CLI wrote.
func (c *ConfigSession) read() (map[string]json.RawMessage, error) {
	b, err := os.ReadFile(c.ConfigPath)
	if err != nil {
		return nil, c.configFailure("config_unreadable", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, c.configFailure("config_unreadable", err)
	}
	return raw, nil
}

// renewOnCopy lets the SDK renew the session on a private 0600 copy of the
// config and returns the new token and the fields to write back.
func (c *ConfigSession) renewOnCopy(raw map[string]json.RawMessage) (string, map[string]json.RawMessage, error) {
	b, err := json.Marshal(raw)
	if err != nil {
		return "", nil, err
	}
	// The copy holds the refresh token: it goes whatever happens, a signal
	// during the exchange included. The handler is in place before the copy
	// exists and the copy is gone before the handler is removed, so no
	// signal finds the copy unguarded.
	var dir copyDir
	stop := c.onSignal(func(code int) { dir.remove(false); c.Exit(code) })
	defer func() {
		dir.remove(true)
		stop()
	}()
	pinned, err := dir.create(filepath.Dir(c.ConfigPath))
	if err != nil {
		return "", nil, c.configFailure("config_write_failed", err)
	}
	copyPath := filepath.Join(pinned, "config.json")
	if err := os.WriteFile(copyPath, b, 0o600); err != nil {
		return "", nil, c.configFailure("config_write_failed", err)
	}

	var cfgErr error
	repo := core_config.NewCoreConfigFromPath(copyPath, func(err error) { cfgErr = err })
	renewed, err := repo.RefreshIAMToken()
	if err != nil {
		return "", nil, err
	}
	// A token outside IAM's shape never reaches the CLI's configuration.
	if _, err := splitAuthorization(renewed); err != nil {
		return "", nil, err
	}
	if cfgErr != nil {
		return "", nil, c.configFailure("config_write_failed", cfgErr)
	}
	after, err := os.ReadFile(copyPath)
	if err != nil {
		return "", nil, c.configFailure("config_write_failed", err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(after, &all); err != nil {
		return "", nil, c.configFailure("config_write_failed", err)
	}
	fields := map[string]json.RawMessage{}
	for _, f := range sessionFields {
		if v, ok := all[f]; ok {
			fields[f] = v
		}
	}
	return renewed, fields, nil
}

// copyDir is the private folder of the config's copy. The SDK knows it
// only by a name that dies with the process (privatefs.Pin), and a signal
// removes it: the SDK, still renewing in another goroutine while the
// process exits, can neither write the copy back nor make the folder
// again (under the folder's own name its config reader's MkdirAll did,
// and the folder stayed).
type copyDir struct {
	mu      sync.Mutex
	path    string
	release func()
}

// create makes the folder in parent and returns the pinned name. The lock
// is held while the folder is made, so a signal in between waits for its
// name instead of finding none and leaving it.
func (d *copyDir) create(parent string) (pinned string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.path, err = os.MkdirTemp(parent, ".config.json.kp-token-*"); err != nil {
		return "", err
	}
	pinned, d.release = privatefs.Pin(d.path)
	return pinned, nil
}

// remove removes the folder; done says the SDK no longer writes there, so
// the pinned name can go too (on a signal it stays until the process ends).
func (d *copyDir) remove(done bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.path != "" {
		// The SDK may be creating the copy at that very moment (its file
		// lock opens the copy itself with O_CREATE), and a file made after
		// RemoveAll read the folder makes its last step fail (not empty):
		// remove again until the folder is gone. Once it is, the pinned
		// name lets nothing in.
		for i := 0; i < 100 && os.RemoveAll(d.path) != nil; i++ {
		}
		d.path = ""
	}
	if done && d.release != nil {
		d.release()
		d.release = nil
	}
}

// writeBack writes the token fields onto a fresh read of config.json, once
// and atomically, under the SDK's own flock on the file, with SIGINT and
// SIGTERM held until the new file is in place.
func (c *ConfigSession) writeBack(fields map[string]json.RawMessage) error {
	var pending os.Signal
	var mu sync.Mutex
	stop := c.onSignalHold(func(s os.Signal) {
		mu.Lock()
		if pending == nil {
			pending = s
		}
		mu.Unlock()
	})
	err := func() error {
		fl := flock.New(c.ConfigPath)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if ok, err := fl.TryLockContext(ctx, 20*time.Millisecond); err == nil && ok {
			defer fl.Unlock()
		}
		raw, err := c.read()
		if err != nil {
			return err
		}
		for k, v := range fields {
			raw[k] = v
		}
		b, err := json.MarshalIndent(raw, "", "  ")
		if err != nil {
			return err
		}
		if err := atomicfile.WriteSignalsHeld(c.ConfigPath, b); err != nil {
			return c.configFailure("config_write_failed", err)
		}
		return nil
	}()
	stop()
	mu.Lock()
	defer mu.Unlock()
	if pending != nil {
		// Honoured now that config.json is whole: 130 for SIGINT, 143 for
		// SIGTERM, as shells report them.
		return &failure.ExitStatus{Code: 128 + signalNumber(pending)}
	}
	return err
}

func (c *ConfigSession) configFailure(id string, err error) error {
	return failure.New(id, map[string]any{"Path": c.ConfigPath}).WithRemedy("config_remedy", map[string]any{"Path": c.ConfigPath}).
		Wrap(err).WithDetail(err.Error())
}

// onSignal calls f with the exit code of SIGINT, SIGTERM or SIGHUP while it is
// installed.
func (c *ConfigSession) onSignal(f func(code int)) (stop func()) {
	if c.Exit == nil {
		return func() {}
	}
	return c.onSignalHold(func(s os.Signal) { f(128 + signalNumber(s)) })
}

// onSignalHold calls f with each SIGINT, SIGTERM or SIGHUP while it is
// installed. Under a supervisor (signals.Supervised: 'exec' renewing while its child
// runs) a signal ends nothing: the renewal runs to its end, its private
// copy removed and config.json written whole, and the supervisor waits for
// it before it exits.
func (c *ConfigSession) onSignalHold(f func(os.Signal)) (stop func()) {
	if c.Exit == nil || signals.Supervised() {
		return func() {}
	}
	ch := make(chan os.Signal, 2)
	signals.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case s := <-ch:
				f(s)
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
		<-finished
		// A signal that raced with Stop is still delivered.
		select {
		case s := <-ch:
			f(s)
		default:
		}
	}
}

func signalNumber(s os.Signal) int {
	if sig, ok := s.(syscall.Signal); ok {
		return int(sig)
	}
	return 1
}
