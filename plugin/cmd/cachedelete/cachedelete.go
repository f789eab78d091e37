// Package cachedelete is 'kp-token cache-delete': the cached token of a
// source forgotten, or every cached token.
package cachedelete

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

// CacheDeleteOptions are the inputs of 'kp-token cache-delete'.
type CacheDeleteOptions struct {
	IO          cmdutil.IOStreams
	Translator  *i18n.Translator
	Now         func() time.Time
	CLIQuiet    bool
	Credentials func(cmdutil.Notifier) *credential.Resolver
	Cache       func() (*cache.Cache, error)

	Output cmdutil.OutputFlags
	// Source is the API key or trusted-profile source whose token goes,
	// as get takes it.
	Source credential.Source
	All    bool
}

// NewCmdCacheDelete builds 'kp-token cache-delete'; runF, when set, runs
// instead of the command.
func NewCmdCacheDelete(f *cmdutil.Factory, runF func(*CacheDeleteOptions) error) *cobra.Command {
	opts := &CacheDeleteOptions{IO: f.IO, Translator: f.Translator, Now: f.Now, CLIQuiet: f.Quiet, Credentials: f.Credentials, Cache: f.Cache}
	h := f.Help
	c := &cobra.Command{
		Use:         "cache-delete",
		Short:       h.T("cache_delete_description"),
		Long:        h.T("cache_delete_long"),
		Annotations: h.Usage("cache_delete_usage"),
		Args:        cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cmdutil.BindSource(c, &opts.Source)
			if runF != nil {
				return runF(opts)
			}
			return cacheDeleteRun(opts)
		},
	}
	c.Flags().StringVar(&opts.Source.APIKey, "apikey", "", h.T("flag_cache_delete_apikey"))
	c.Flags().BoolVar(&opts.All, "all", false, h.T("flag_cache_delete_all"))
	cmdutil.AddWorkloadFlags(c, h, &opts.Source)
	cmdutil.AddOutputFlags(c, h, &opts.Output, output.JSONOnly)
	c.Flags().Lookup("quiet").Usage = h.T("flag_cache_delete_quiet")
	return c
}

// removedEntry is what cache-delete reports of an entry; never a token.
type removedEntry struct {
	Endpoint   string `json:"iam_endpoint"`
	IAMID      string `json:"iam_id,omitempty"`
	Name       string `json:"name,omitempty"`
	Expiration int64  `json:"expiration,omitempty"`
}

// cacheDeleteRun removes the cached token of the source named, or all.
func cacheDeleteRun(opts *CacheDeleteOptions) error {
	p, err := opts.Output.Printer(opts.IO, opts.Translator, opts.CLIQuiet, opts.Now)
	if err != nil {
		return err
	}
	entries, err := remove(opts, p)
	if err != nil {
		return err
	}
	removed := make([]removedEntry, 0, len(entries))
	for _, e := range entries {
		r := removedEntry{Endpoint: e.Endpoint, Expiration: e.Token.Expiration}
		if claims, err := token.Decode(e.Token.AccessToken); err == nil {
			r.IAMID, r.Name = claims.Info.IAMID, claims.Info.Fullname
		}
		removed = append(removed, r)
	}
	t := opts.Translator
	switch p.Format {
	case output.JSON:
		b, _ := json.MarshalIndent(removed, "", "  ")
		_, err := fmt.Fprintln(opts.IO.Out, string(b))
		return err
	case output.Quiet:
		return nil
	}
	// In human form what was deleted is said on stderr, as notices: the
	// deletion is the result, the sentences are messages in the user's
	// language, and stdout stays for data (--output json), the same in
	// every language. gh says "Deleted ..." only to a terminal for the
	// same reason; IBMCLOUD_QUIET hides them like every notice.
	if len(removed) == 0 {
		p.Notice(t.T("cache_delete_none"))
		return nil
	}
	for _, r := range removed {
		who := r.Name
		if r.IAMID != "" {
			who = fmt.Sprintf("%s (%s)", r.Name, r.IAMID)
		}
		if who == "" {
			p.Notice(t.T("cache_delete_removed_unreadable"))
			continue
		}
		p.Notice(t.T("cache_delete_removed", map[string]any{"Subject": output.SafeLine(who), "Endpoint": output.SafeLine(r.Endpoint)}))
	}
	p.Notice(t.N("cache_delete_count", len(removed), nil))
	return nil
}

// remove deletes the entries and returns what they held.
func remove(opts *CacheDeleteOptions, p *output.Printer) ([]cache.Entry, error) {
	if opts.All {
		s := opts.Source
		if s.APIKeySet || s.CRTokenSet || s.VPC || s.Profile != "" {
			return nil, failure.Usagef("cache_delete_both", nil)
		}
		c, err := opts.Cache()
		if err != nil {
			return nil, deleteFailed(err)
		}
		entries, err := c.DeleteAll()
		if err != nil {
			return nil, deleteFailed(err)
		}
		return entries, nil
	}
	k, ok, err := opts.Credentials(cmdutil.Notices{P: p}).CacheKey(opts.Source)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, failure.Usagef("cache_delete_no_key", nil)
	}
	c, err := opts.Cache()
	if err != nil {
		return nil, deleteFailed(err)
	}
	e, found, err := c.Delete(k)
	if err != nil {
		return nil, deleteFailed(err)
	}
	if !found {
		return nil, nil
	}
	return []cache.Entry{e}, nil
}

func deleteFailed(err error) error {
	return failure.New("cache_delete_failed", nil).WithRemedy("tokenfile_write_remedy", nil).Wrap(err)
}
