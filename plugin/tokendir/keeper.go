package tokendir

import (
	"context"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/token"
)

// Retry timing of a failed renewal: the first retry after firstRetry,
// each next one twice as late, at most maxRetry apart, and the last at
// the very moment the token expires.
const (
	firstRetry = time.Second
	maxRetry   = time.Minute
)

// maxSleep is the longest the keeper sleeps before it looks at the clock
// again. Timers count the time the machine is awake; the token's expiry is
// wall-clock time: after a laptop slept for an hour, the renewal is made
// within a minute of waking, not an hour late.
const maxSleep = time.Minute

// Notifier is told, as message IDs and their data, what the user should
// hear while the token is kept fresh (the command renders them; the data
// "Cause" is the failure that stopped a renewal).
type Notifier interface {
	Notice(id string, data map[string]any)
	Warn(id string, data map[string]any)
}

// Keeper renews the token in a Dir before it comes within MinValidity of
// its expiry, for as long as Run's context lasts. A renewal that fails is
// said (a warning) and tried again with backoff until the token really
// expires; the keeper then says it has stopped, and nothing else happens:
// the command goes on, and decides what an expired token means for it.
type Keeper struct {
	Dir        *Dir
	InstanceID string
	// Renew returns a token valid for longer than MinValidity
	// (credential.Credential.Token: the cache and its lock, shared with
	// every parallel caller, so that a renewal costs IAM one exchange per
	// token lifetime however many processes want it).
	Renew       func(context.Context) (token.Token, error)
	MinValidity time.Duration
	// Now and After are the clock and its timers (time.Now, time.After).
	Now    func() time.Time
	After  func(time.Duration) <-chan time.Time
	Notify Notifier
}

// Run keeps the files fresh, starting from t (the token they hold), until
// ctx ends. It returns only when ctx has ended or the token has expired
// unrenewed; a renewal under way when ctx ends is completed first, so
// that nothing it writes (the cache, the CLI's session) is left half-done.
func (k *Keeper) Run(ctx context.Context, t token.Token) {
	for {
		if !k.sleepUntil(ctx, t.ExpiresAt().Add(-k.MinValidity)) {
			return
		}
		next, ok := k.renew(ctx, t)
		if !ok {
			return
		}
		t = next
	}
}

// renew renews t, retrying with backoff until t expires. ok is false when
// ctx ended or t expired unrenewed.
func (k *Keeper) renew(ctx context.Context, t token.Token) (next token.Token, ok bool) {
	wait, failed := firstRetry, false
	for {
		next, err := k.Renew(ctx)
		if ctx.Err() != nil {
			return token.Token{}, false // the command has ended
		}
		if err == nil {
			err = k.Dir.Write(next, k.InstanceID)
		}
		now := k.Now()
		if err == nil {
			if failed {
				k.Notify.Notice("exec_renewed", map[string]any{"Left": failure.Duration(next.ExpiresAt().Sub(now))})
			}
			return next, true
		}
		left := t.ExpiresAt().Sub(now)
		if left <= 0 {
			k.Notify.Warn("exec_renew_stopped", map[string]any{"Cause": err})
			return token.Token{}, false
		}
		wait = min(wait, left)
		k.Notify.Warn("exec_renew_failed", map[string]any{"Cause": err, "Retry": failure.Duration(wait), "Left": failure.Duration(left)})
		failed = true
		if !k.sleepUntil(ctx, now.Add(wait)) {
			return token.Token{}, false
		}
		wait = min(2*wait, maxRetry)
	}
}

// sleepUntil waits until the clock reads at; false when ctx ended first.
func (k *Keeper) sleepUntil(ctx context.Context, at time.Time) bool {
	for {
		d := at.Sub(k.Now())
		if d <= 0 {
			return ctx.Err() == nil
		}
		select {
		case <-ctx.Done():
			return false
		case <-k.After(min(d, maxSleep)):
		}
	}
}
