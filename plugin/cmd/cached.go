package cmd

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

// openCache opens the cache folder inside the plug-in's own directory.
func (d *Deps) openCache() (*cache.Cache, error) {
	if d.Context == nil || d.Context.PluginDirectory() == "" {
		return nil, errors.New("no plug-in directory")
	}
	return cache.Open(filepath.Join(d.Context.PluginDirectory(), "cache"))
}

// warnCache says once per run why the cache is not used.
func (d *Deps) warnCache(p *output.Printer, err error) {
	if d.cacheWarned {
		return
	}
	d.cacheWarned = true
	if errors.Is(err, cache.ErrUnsafe) {
		p.Warn(d.T.T("cache_unsafe", map[string]any{"Path": filepath.Join(d.Context.PluginDirectory(), "cache")}))
		return
	}
	p.Warn(d.T.T("cache_unavailable"))
}

// cachedAPIKeyToken serves an API-key token from the cache while it stays
// valid for longer than --min-validity; otherwise one process renews it
// under the entry's lock (with its refresh token when it has one) while the
// others wait and read the result. Whatever goes wrong with the cache, the
// token is still obtained: the cache only saves IAM round trips.
func cachedAPIKeyToken(d *Deps, p *output.Printer, iam *token.IAM, apikey string, opts *sourceOptions) (token.Token, error) {
	k := cache.Key{Endpoint: iam.URL, APIKey: apikey}
	return cachedToken(d, p, iam, k, func() (token.Token, error) { return iam.FromAPIKey(apikey, k.Scope) }, opts)
}

// cachedToken is the cache around fetch, which obtains a new token for the
// credential k describes. A cached token with a usable refresh token is
// renewed with it (API keys); the others are fetched again.
func cachedToken(d *Deps, p *output.Printer, iam *token.IAM, k cache.Key, fetch func() (token.Token, error), opts *sourceOptions) (token.Token, error) {
	if opts.NoCache {
		return fetch()
	}
	c, err := d.openCache()
	if err != nil {
		d.warnCache(p, err)
		return fetch()
	}
	fresh := func(e cache.Entry) bool { return e.Token.ExpiresAt().Sub(d.Now()) > opts.MinValidity }

	// Entries are replaced atomically, so the fast path reads without a lock.
	e, st := c.Load(k)
	if st == cache.Found && fresh(e) {
		return e.Token, nil
	}
	// A token IAM issued for less than --min-validity says no new one
	// would do: fail now rather than ask IAM on every call.
	if st == cache.Found {
		if err := token.CheckLifetime(e.Token, opts.MinValidity); err != nil {
			return token.Token{}, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), opts.CacheWait)
	defer cancel()
	unlock, err := c.Lock(ctx, k)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && opts.CacheWait > 0 {
			p.Warn(d.T.T("cache_lock_timeout", map[string]any{"Duration": output.Duration(d.T, opts.CacheWait)}))
		} else if !errors.Is(err, context.DeadlineExceeded) {
			p.Warn(d.T.T("cache_unavailable"))
		}
		return fetch()
	}
	defer unlock()

	e, st = c.Load(k)
	if st == cache.Found && fresh(e) {
		return e.Token, nil // another process renewed it while we waited
	}
	// The process that held the lock before us met an outage: its answer
	// is ours too, rather than a new round of attempts per waiting caller.
	if o, ok := c.LoadOutage(k, d.Now()); ok {
		return token.Token{}, failure.NewOutage(o).WithNote("iam_shared_failure", 1)
	}
	if st == cache.Damaged {
		p.Notice(d.T.T("cache_damaged"))
	}
	var t token.Token
	if st == cache.Found && usableRefreshToken(e.Token.RefreshToken) {
		t, err = iam.FromRefreshToken(e.Token.RefreshToken)
		// IAM turned the refresh token down (expired, invalid, session
		// ended): the key gets a new one. When IAM is out of reach or busy,
		// the key would not help.
		if failure.Is(err, failure.KindExpired, failure.KindInvalid, failure.KindRejected) {
			t, err = fetch()
		}
	} else {
		t, err = fetch()
	}
	if err != nil {
		if f, ok := failure.As(err); ok && f.Outage != nil {
			_ = c.StoreOutage(k, *f.Outage, d.Now())
		}
		return token.Token{}, err
	}
	c.ClearOutage(k)
	if err := c.Store(k, t, d.Now()); err != nil {
		p.Warn(d.T.T("cache_write_failed"))
	}
	return t, nil
}

func usableRefreshToken(rt string) bool { return rt != "" && rt != "not_supported" }
