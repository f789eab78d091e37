package cmdutil

import (
	"strconv"
	"strings"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
)

// DefaultHTTPTimeout is the CLI's default.
const DefaultHTTPTimeout = 30 * time.Second

// MaxHTTPTimeout bounds IBMCLOUD_HTTP_TIMEOUT: a day is more than any
// request needs, and far from time.Duration's limit.
const MaxHTTPTimeout = 86400

// HTTPTimeout is the HTTP timeout: IBMCLOUD_HTTP_TIMEOUT, else the CLI's
// configured one (ctx may be nil), else 30 s.
func HTTPTimeout(getenv func(string) string, ctx interface{ HTTPTimeout() int }) time.Duration {
	// Unset is the usual case, and strconv's error for "" is an allocation.
	if raw := strings.TrimSpace(getenv("IBMCLOUD_HTTP_TIMEOUT")); raw != "" {
		if v, err := strconv.Atoi(raw); err == nil && v > 0 && v <= MaxHTTPTimeout {
			return time.Duration(v) * time.Second
		}
	}
	if ctx != nil {
		if v := ctx.HTTPTimeout(); v > 0 && v <= MaxHTTPTimeout {
			return time.Duration(v) * time.Second
		}
	}
	return DefaultHTTPTimeout
}

// CheckHTTPTimeout refuses an IBMCLOUD_HTTP_TIMEOUT that is not a number
// of seconds from 1 to a day (one that would overflow included).
func CheckHTTPTimeout(getenv func(string) string) error {
	raw := strings.TrimSpace(getenv("IBMCLOUD_HTTP_TIMEOUT"))
	if raw == "" {
		return nil
	}
	if v, err := strconv.Atoi(raw); err != nil || v < 1 || v > MaxHTTPTimeout {
		return failure.New("timeout_invalid", map[string]any{"Value": output.SafeLine(raw), "Max": MaxHTTPTimeout}).
			WithRemedy("timeout_invalid_remedy", nil)
	}
	return nil
}
