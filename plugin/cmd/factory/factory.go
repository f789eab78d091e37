// Package factory builds the cmdutil.Factory a run gives its commands:
// the standard streams, the translator, the CLI session, the HTTP client,
// and the resolvers of where a token comes from (package credential) and
// where it is used (package target), with the token cache in the
// plug-in's directory and session renewal as a critical section. kptoken
// builds one per run; tests build one in-process the same way.
package factory

import (
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/endpoint"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/httpclient"
	"github.com/kp-token/kp-token/plugin/target"
	"github.com/kp-token/kp-token/plugin/token"
)

// Options are what a run is made of.
type Options struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Locale is the catalog's locale (i18n.Resolve).
	Locale string
	// Context is the CLI's session; nil while building metadata.
	Context cmdutil.Context
	Getenv  func(string) string
	Environ func() []string
	// Secrets collects the run's keys and tokens (new when nil).
	Secrets *failure.Secrets
	// ConfigPath is the CLI's config.json: when set, the session is
	// renewed under kp-token's own lock and written back field by field
	// (token.ConfigSession); Exit then ends the process for a signal that
	// arrives before the write (nil disables signals, for tests).
	ConfigPath string
	Exit       func(int)
	// Now and HTTPClient default to time.Now and httpclient.New.
	Now        func() time.Time
	HTTPClient func(timeout time.Duration) *http.Client
	// Version and Commit are stamped at build time.
	Version, Commit string
}

// New builds the factory for a run.
func New(o Options) *cmdutil.Factory {
	if o.Secrets == nil {
		o.Secrets = &failure.Secrets{}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = httpclient.New
	}
	f := &cmdutil.Factory{
		IO:         cmdutil.IOStreams{In: o.Stdin, Out: o.Stdout, ErrOut: o.Stderr},
		Translator: i18n.New(o.Locale),
		Context:    o.Context,
		Getenv:     o.Getenv,
		Environ:    o.Environ,
		Now:        o.Now,
		HTTPClient: o.HTTPClient,
		Timeout:    cmdutil.HTTPTimeout(o.Getenv, o.Context),
		Secrets:    o.Secrets,
		Quiet:      quietEnv(o.Getenv("IBMCLOUD_QUIET")),
		Version:    o.Version,
		Commit:     o.Commit,
	}
	ctx := o.Context
	f.Endpoint = func() (string, error) {
		var s endpoint.Session
		if ctx != nil {
			s = ctx
		}
		return endpoint.IAM(o.Getenv, s)
	}
	f.Cache = func() (*cache.Cache, error) { return openCache(ctx) }
	f.Credentials = credentials(o, f, renewer(o))
	f.Targets = targets(o, f)
	return f
}

// renewer renews the CLI session as a critical section when the config's
// path is known; nil lets the PluginContext renew on its own.
func renewer(o Options) token.Renewer {
	if o.ConfigPath == "" || o.Context == nil {
		return nil
	}
	return &token.ConfigSession{
		ConfigPath: o.ConfigPath,
		LockPath:   filepath.Join(o.Context.PluginDirectory(), "session.lock"),
		LockWait:   time.Minute,
		Exit:       o.Exit,
	}
}

// credentials builds the resolvers of where tokens come from.
func credentials(o Options, f *cmdutil.Factory, renewer token.Renewer) func(cmdutil.Notifier) *credential.Resolver {
	return func(n cmdutil.Notifier) *credential.Resolver {
		r := &credential.Resolver{
			Getenv:     o.Getenv,
			Stdin:      o.Stdin,
			Endpoint:   f.Endpoint,
			HTTPClient: f.HTTPClient,
			Timeout:    f.Timeout,
			OpenCache: func() (credential.Cache, error) {
				c, err := f.Cache()
				if err != nil {
					return nil, err
				}
				return c, nil
			},
			Renewer: renewer,
			Now:     f.Now,
			Secrets: f.Secrets,
			Notify:  n,
		}
		if o.Context != nil {
			r.Session = o.Context
		}
		return r
	}
}

// targets builds the resolvers of where tokens are used.
func targets(o Options, f *cmdutil.Factory) func(cmdutil.Notifier) *target.Resolver {
	return func(n cmdutil.Notifier) *target.Resolver {
		r := &target.Resolver{
			Getenv:     o.Getenv,
			HTTPClient: f.HTTPClient,
			Timeout:    f.Timeout,
			OpenCache: func() (target.Cache, error) {
				c, err := f.Cache()
				if err != nil {
					return nil, err
				}
				return c, nil
			},
			Now:    f.Now,
			Notify: n,
		}
		if o.Context != nil {
			r.Session = o.Context
			r.Settings = o.Context.PluginConfig()
			r.SettingsPath = filepath.Join(o.Context.PluginDirectory(), "config.json")
		}
		return r
	}
}

// openCache opens the cache folder inside the plug-in's own directory.
func openCache(ctx cmdutil.Context) (*cache.Cache, error) {
	if ctx == nil || ctx.PluginDirectory() == "" {
		return nil, errors.New("no plug-in directory")
	}
	return cache.Open(filepath.Join(ctx.PluginDirectory(), "cache"))
}

// quietEnv reads IBMCLOUD_QUIET as the CLI does: set and not false.
func quietEnv(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	return v != "" && v != "false" && v != "0"
}
