// Package credential decides where a token comes from and keeps it: the
// sources in their order of precedence (a trusted profile's workload
// source, --apikey, IBMCLOUD_API_KEY, the CLI session), the token cache's
// policy (one renewal per entry across processes, outages shared, the
// refresh token before the key), session renewal, and the check that a
// token stays valid for --min-validity.
//
// A command reads its options into a Source and makes one call:
// Resolver.Resolve, or Resolver.Open when it renews the token later from
// the same source ('exec'). CacheKey is the one place that says which
// cache entry a source's tokens live in.
package credential

import (
	"strings"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
)

// DefaultMinValidity is how long a printed token must stay valid.
const DefaultMinValidity = 5 * time.Minute

// DefaultCacheWait bounds how long a command waits for another process that
// is renewing the same cached token.
const DefaultCacheWait = 30 * time.Second

// Source says where a token comes from and how fresh it must be: the
// options of every command that obtains a token (get, exec, verify,
// setup), and of cache-delete, which names an entry with them.
type Source struct {
	APIKey      string
	APIKeySet   bool // --apikey was given, even empty
	CRToken     string
	CRTokenSet  bool
	VPC         bool
	Profile     string
	Account     string
	MinValidity time.Duration
	// MinValiditySet is true when the user chose MinValidity; the default
	// adapts to tokens that live shorter than it (adaptive).
	MinValiditySet bool
	NoCache        bool
	CacheWait      time.Duration
}

// Explicit reports whether a source other than the CLI session was named
// on the command line.
func (s Source) Explicit() bool { return s.APIKeySet || s.Workload() }

// Workload reports whether a trusted-profile source was asked for; these
// come first: --cr-token, --vpc, --profile.
func (s Source) Workload() bool {
	return s.CRTokenSet || s.VPC || strings.TrimSpace(s.Profile) != ""
}

func (s Source) validate() error {
	if s.MinValidity < 0 {
		return failure.Usagef("usage_invalid_value", map[string]any{"Value": s.MinValidity.String(), "Flag": "--min-validity"})
	}
	if s.CacheWait < 0 {
		return failure.Usagef("usage_invalid_value", map[string]any{"Value": s.CacheWait.String(), "Flag": "--cache-wait"})
	}
	return nil
}
