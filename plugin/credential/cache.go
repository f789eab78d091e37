package credential

import (
	"context"
	"errors"

	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/privatefs"
	"github.com/kp-token/kp-token/plugin/token"
)

// cached is the cache around c.fetch. A token is served from the cache
// while it stays valid for longer than src.MinValidity; otherwise one
// process renews it under the entry's lock (with its refresh token when it
// has a usable one, else with the credential) while the others wait and
// read the result. Whatever goes wrong with the cache, the token is still
// obtained: the cache only saves IAM round trips.
func (r *Resolver) cached(ctx context.Context, c credential, src Source) (token.Token, error) {
	if src.NoCache {
		return c.fetch()
	}
	store, err := r.OpenCache()
	if err != nil {
		r.warnCache(err)
		return c.fetch()
	}
	k := c.key
	fresh := func(e cache.Entry) bool { return e.Token.ExpiresAt().Sub(r.Now()) > src.MinValidity }

	// Entries are replaced atomically, so the fast path reads without a lock.
	e, st := store.Load(k)
	if st == cache.Found && fresh(e) {
		return e.Token, nil
	}
	// A token IAM issued for less than --min-validity says no new one
	// would do: fail now rather than ask IAM on every call.
	if st == cache.Found {
		if err := token.CheckLifetime(e.Token, src.MinValidity); err != nil {
			return token.Token{}, err
		}
	}
	wait, cancel := context.WithTimeout(ctx, src.CacheWait)
	defer cancel()
	unlock, err := store.Lock(wait, k)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && src.CacheWait > 0 {
			r.Notify.Warn("cache_lock_timeout", map[string]any{"Duration": failure.Duration(src.CacheWait)})
		} else if !errors.Is(err, context.DeadlineExceeded) {
			r.Notify.Warn("cache_unavailable", nil)
		}
		return c.fetch()
	}
	defer unlock()

	e, st = store.Load(k)
	if st == cache.Found && fresh(e) {
		return e.Token, nil // another process renewed it while we waited
	}
	// The process that held the lock before us met an outage: its answer
	// is ours too, rather than a new round of attempts per waiting caller.
	if o, ok := store.LoadOutage(k, r.Now()); ok {
		return token.Token{}, failure.NewOutage(o).WithNote("iam_shared_failure", 1)
	}
	if st == cache.Damaged {
		r.Notify.Notice("cache_damaged", nil)
	}
	var t token.Token
	if st == cache.Found && usableRefreshToken(e.Token.RefreshToken) {
		t, err = c.iam.FromRefreshToken(e.Token.RefreshToken)
		// IAM turned the refresh token down (expired, invalid, session
		// ended): the credential gets a new one. When IAM is out of reach
		// or busy, the credential would not help.
		if failure.Is(err, failure.KindExpired, failure.KindInvalid, failure.KindRejected) {
			t, err = c.fetch()
		}
	} else {
		t, err = c.fetch()
	}
	if err != nil {
		if f, ok := failure.As(err); ok && f.Outage != nil {
			_ = store.StoreOutage(k, *f.Outage, r.Now())
		}
		return token.Token{}, err
	}
	store.ClearOutage(k)
	if err := store.Store(k, t, r.Now()); err != nil {
		r.Notify.Warn("cache_write_failed", nil)
	}
	return t, nil
}

// warnCache says once per run why the cache is not used.
func (r *Resolver) warnCache(err error) {
	if r.warned {
		return
	}
	r.warned = true
	var unsafe *privatefs.UnsafeError
	if errors.As(err, &unsafe) {
		r.Notify.Warn("cache_unsafe", map[string]any{"Path": unsafe.Dir})
		return
	}
	r.Notify.Warn("cache_unavailable", nil)
}

func usableRefreshToken(rt string) bool { return rt != "" && rt != "not_supported" }
