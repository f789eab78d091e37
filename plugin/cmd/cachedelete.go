package cmd

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

// CacheDeleteOptions are the inputs of 'kp-token cache-delete'.
type CacheDeleteOptions struct {
	outputOptions
	APIKey    string
	APIKeySet bool
	All       bool
	// A trusted-profile source, as get takes it.
	CRToken    string
	CRTokenSet bool
	VPC        bool
	Profile    string
	Account    string
}

// NewCmdCacheDelete builds 'kp-token cache-delete'.
func NewCmdCacheDelete(d *Deps) *cobra.Command {
	opts := &CacheDeleteOptions{}
	c := &cobra.Command{
		Use:         "cache-delete",
		Short:       "cache_delete_description",
		Long:        "cache_delete_long",
		Annotations: annotate("cache_delete_usage"),
		Args:        noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.APIKeySet = c.Flags().Changed("apikey")
			opts.CRTokenSet = c.Flags().Changed("cr-token")
			return RunCacheDelete(d, opts)
		},
	}
	c.Flags().StringVar(&opts.APIKey, "apikey", "", "flag_cache_delete_apikey")
	c.Flags().BoolVar(&opts.All, "all", false, "flag_cache_delete_all")
	c.Flags().StringVar(&opts.CRToken, "cr-token", "", "flag_cr_token")
	c.Flags().BoolVar(&opts.VPC, "vpc", false, "flag_vpc")
	c.Flags().StringVar(&opts.Profile, "profile", "", "flag_profile")
	c.Flags().StringVar(&opts.Account, "account", "", "flag_account")
	addOutputFlags(c, d, &opts.outputOptions, output.JSONOnly)
	c.Flags().Lookup("quiet").Usage = "flag_cache_delete_quiet"
	return c
}

// removedEntry is what cache-delete reports of an entry; never a token.
type removedEntry struct {
	Endpoint   string `json:"iam_endpoint"`
	IAMID      string `json:"iam_id,omitempty"`
	Name       string `json:"name,omitempty"`
	Expiration int64  `json:"expiration,omitempty"`
}

// RunCacheDelete removes the cached token of the API key in use, or all.
func RunCacheDelete(d *Deps, opts *CacheDeleteOptions) error {
	p, err := opts.printer(d)
	if err != nil {
		return err
	}
	var entries []cache.Entry
	if opts.All {
		if opts.APIKeySet || opts.CRTokenSet || opts.VPC || opts.Profile != "" {
			return failure.Usagef("cache_delete_both", nil)
		}
		c, err := d.openCache()
		if err != nil {
			return deleteFailed(err)
		}
		entries, err = c.DeleteAll()
		if err != nil {
			return deleteFailed(err)
		}
	} else {
		k, err := cacheDeleteKey(d, p, opts)
		if err != nil {
			return err
		}
		c, err := d.openCache()
		if err != nil {
			return deleteFailed(err)
		}
		e, ok, err := c.Delete(k)
		if err != nil {
			return deleteFailed(err)
		}
		if ok {
			entries = append(entries, e)
		}
	}
	removed := make([]removedEntry, 0, len(entries))
	for _, e := range entries {
		r := removedEntry{Endpoint: e.Endpoint, Expiration: e.Token.Expiration}
		if claims, err := token.Decode(e.Token.AccessToken); err == nil {
			r.IAMID, r.Name = claims.Info.IAMID, claims.Info.Fullname
		}
		removed = append(removed, r)
	}
	switch p.Format {
	case output.JSON:
		b, _ := json.MarshalIndent(removed, "", "  ")
		fmt.Fprintln(d.IO.Out, string(b))
	case output.Quiet:
	default:
		if len(removed) == 0 {
			fmt.Fprintln(d.IO.Out, d.T.T("cache_delete_none"))
			return nil
		}
		for _, r := range removed {
			who := r.Name
			if r.IAMID != "" {
				who = fmt.Sprintf("%s (%s)", r.Name, r.IAMID)
			}
			if who == "" {
				who = d.T.T("cache_delete_unknown_subject")
			}
			fmt.Fprintln(d.IO.Out, d.T.T("cache_delete_removed", map[string]any{"Subject": output.SafeLine(who), "Endpoint": output.SafeLine(r.Endpoint)}))
		}
		fmt.Fprintln(d.IO.Out, d.T.N("cache_delete_count", len(removed), nil))
	}
	return nil
}

// cacheDeleteKey is the cache key of the source named: a trusted-profile
// source (--cr-token, --vpc, --profile) as get reads it, else the API key.
func cacheDeleteKey(d *Deps, p *output.Printer, opts *CacheDeleteOptions) (cache.Key, error) {
	src := &sourceOptions{APIKey: opts.APIKey, APIKeySet: opts.APIKeySet, CRToken: opts.CRToken, CRTokenSet: opts.CRTokenSet,
		VPC: opts.VPC, Profile: opts.Profile, Account: opts.Account}
	if src.workload() {
		iam, err := d.IAM()
		if err != nil {
			return cache.Key{}, err
		}
		k, _, err := workloadSource(d, p, src, iam)
		return k, err
	}
	key, haveKey, err := resolveKey(d, opts.APIKey, opts.APIKeySet)
	if err != nil {
		return cache.Key{}, err
	}
	if !haveKey {
		return cache.Key{}, failure.Usagef("cache_delete_no_key", nil)
	}
	d.Secrets.Add(key.Value)
	url, err := d.iamURL()
	if err != nil {
		return cache.Key{}, err
	}
	return cache.Key{Endpoint: url, APIKey: key.Value}, nil
}

func deleteFailed(err error) error {
	return failure.New("cache_delete_failed", nil).WithRemedy("tokenfile_write_remedy", nil).Wrap(err)
}
