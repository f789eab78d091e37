// Package cachedelete is 'kp-token cache-delete': the cached token of a
// source forgotten, or every cached token and instance lookup.
package cachedelete

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/kp"
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

// removed is what cache-delete reports, also its --output json form:
// the tokens and, with --all, the instance lookups it deleted; never a
// token itself.
type removed struct {
	Tokens    []removedEntry    `json:"tokens"`
	Instances []removedInstance `json:"instance_lookups"`
}

// removedEntry is a deleted token's entry.
type removedEntry struct {
	Endpoint   string `json:"iam_endpoint"`
	IAMID      string `json:"iam_id,omitempty"`
	Name       string `json:"name,omitempty"`
	Expiration int64  `json:"expiration,omitempty"`
}

// removedInstance is a deleted instance lookup: the instance it named.
type removedInstance struct {
	InstanceID string `json:"instance_id,omitempty"`
	Name       string `json:"name,omitempty"`
	Region     string `json:"region,omitempty"`
}

// cacheDeleteRun removes the cached token of the source named, or with
// --all every cached token and instance lookup, and says what went.
func cacheDeleteRun(opts *CacheDeleteOptions) error {
	p, err := opts.Output.Printer(opts.IO, opts.Translator, opts.CLIQuiet, opts.Now)
	if err != nil {
		return err
	}
	entries, instances, err := remove(opts, p)
	if err != nil {
		return err
	}
	res := removed{Tokens: make([]removedEntry, 0, len(entries)), Instances: make([]removedInstance, 0, len(instances))}
	for _, e := range entries {
		r := removedEntry{Endpoint: e.Endpoint, Expiration: e.Token.Expiration}
		if claims, err := token.Decode(e.Token.AccessToken); err == nil {
			r.IAMID, r.Name = claims.Info.IAMID, claims.Info.Fullname
		}
		res.Tokens = append(res.Tokens, r)
	}
	for _, i := range instances {
		res.Instances = append(res.Instances, removedInstance{InstanceID: i.GUID, Name: i.Name, Region: i.Region})
	}
	switch p.Format {
	case output.JSON:
		return cmdutil.WriteJSON(opts.IO.Out, res)
	case output.Quiet:
		return nil
	}
	// In human form what was deleted is said on stderr, as notices: the
	// deletion is the result, the sentences are messages in the user's
	// language, and stdout stays for data (--output json), the same in
	// every language. gh says "Deleted ..." only to a terminal for the
	// same reason; IBMCLOUD_QUIET hides them like every notice.
	for _, l := range report(opts.Translator, res, opts.All) {
		p.Notice(l)
	}
	return nil
}

// report says, one line each, what was deleted, then how much.
func report(t *i18n.Translator, res removed, all bool) []string {
	var lines []string
	line := func(id string, data map[string]any) { lines = append(lines, t.T(id, data)) }
	if len(res.Tokens)+len(res.Instances) == 0 {
		if all {
			line("cache_delete_all_none", nil)
		} else {
			line("cache_delete_none", nil)
		}
		return lines
	}
	for _, r := range res.Tokens {
		who := r.Name
		if r.IAMID != "" {
			who = fmt.Sprintf("%s (%s)", r.Name, r.IAMID)
		}
		if who == "" {
			line("cache_delete_removed_unreadable", nil)
			continue
		}
		line("cache_delete_removed", map[string]any{"Subject": output.SafeLine(who), "Endpoint": output.SafeLine(r.Endpoint)})
	}
	said := map[string]bool{}
	for _, i := range res.Instances {
		if i.InstanceID == "" {
			line("cache_delete_instance_unreadable", nil)
			continue
		}
		// One instance found two ways (by name, and as the only one in
		// its region and group) is two lookups but one sentence; the
		// count below says how many lookups went.
		if said[i.InstanceID] {
			continue
		}
		said[i.InstanceID] = true
		// The name and region are the Resource Controller's words.
		line("cache_delete_instance_removed", map[string]any{"Name": output.SafeLine(i.Name), "ID": i.InstanceID, "Region": output.SafeLine(i.Region)})
	}
	if len(res.Tokens) > 0 || !all {
		lines = append(lines, t.N("cache_delete_count", len(res.Tokens), nil))
	}
	if len(res.Instances) > 0 {
		lines = append(lines, t.N("cache_delete_instance_count", len(res.Instances), nil))
	}
	return lines
}

// remove deletes the entries, and with --all the instance lookups, and
// returns what they held.
func remove(opts *CacheDeleteOptions, p *output.Printer) ([]cache.Entry, []kp.Instance, error) {
	if opts.All {
		s := opts.Source
		if s.APIKeySet || s.CRTokenSet || s.VPC || s.Profile != "" {
			return nil, nil, failure.Usagef("cache_delete_both", nil)
		}
		c, err := opts.Cache()
		if err != nil {
			return nil, nil, deleteFailed(err)
		}
		instances, err := c.DeleteInstances()
		if err != nil {
			return nil, nil, deleteFailed(err)
		}
		entries, err := c.DeleteAll()
		if err != nil {
			return nil, nil, deleteFailed(err)
		}
		return entries, instances, nil
	}
	k, ok, err := opts.Credentials(cmdutil.Notices{P: p}).CacheKey(opts.Source)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, failure.Usagef("cache_delete_no_key", nil)
	}
	c, err := opts.Cache()
	if err != nil {
		return nil, nil, deleteFailed(err)
	}
	e, found, err := c.Delete(k)
	if err != nil {
		return nil, nil, deleteFailed(err)
	}
	if !found {
		return nil, nil, nil
	}
	return []cache.Entry{e}, nil, nil
}

func deleteFailed(err error) error {
	return failure.New("cache_delete_failed", nil).WithRemedy("tokenfile_write_remedy", nil).Wrap(err)
}
