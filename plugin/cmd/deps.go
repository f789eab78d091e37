// Package cmd holds kp-token's commands: one file each, with an options
// struct, a NewCmdX constructor and a runX function that gets everything it
// uses through Deps, so tests need no globals.
package cmd

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/endpoint"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

// Context is the part of the SDK's PluginContext the commands use.
type Context interface {
	endpoint.Session
	token.Session
	HTTPTimeout() int
	PluginDirectory() string
	CurrentRegion() models.Region
	CurrentAccount() models.Account
	CurrentResourceGroup() models.ResourceGroup
}

// IOStreams are the process's standard streams.
type IOStreams = cmdutil.IOStreams

// Deps is what commands are given instead of reaching for globals.
type Deps struct {
	IO      IOStreams
	T       *i18n.Translator
	Context Context // nil while building metadata
	Getenv  func(string) string
	// Environ is the whole environment, for commands that start others.
	Environ func() []string
	Now     func() time.Time
	// HTTPClient builds the client for IAM calls with the given timeout.
	HTTPClient func(timeout time.Duration) *http.Client
	Secrets    *failure.Secrets
	// Quiet is the CLI's quiet mode (IBMCLOUD_QUIET).
	Quiet bool
	// Renewer renews the CLI session as a critical section; nil lets the
	// PluginContext renew on its own (unit tests).
	Renewer *token.ConfigSession
	// Version and Commit are stamped at build time.
	Version, Commit string

	cacheWarned bool
}

// DefaultHTTPTimeout is the CLI's default.
const DefaultHTTPTimeout = 30 * time.Second

// MaxHTTPTimeout bounds IBMCLOUD_HTTP_TIMEOUT: a day is more than any
// request needs, and far from time.Duration's limit.
const MaxHTTPTimeout = 86400

// checkTimeout refuses an IBMCLOUD_HTTP_TIMEOUT that is not a number of
// seconds from 1 to a day (one that would overflow included).
func (d *Deps) checkTimeout() error {
	raw := strings.TrimSpace(d.Getenv("IBMCLOUD_HTTP_TIMEOUT"))
	if raw == "" {
		return nil
	}
	if v, err := strconv.Atoi(raw); err != nil || v < 1 || v > MaxHTTPTimeout {
		return failure.New("timeout_invalid", map[string]any{"Value": output.SafeLine(raw), "Max": MaxHTTPTimeout}).
			WithRemedy("timeout_invalid_remedy", nil)
	}
	return nil
}

// Timeout is the HTTP timeout: IBMCLOUD_HTTP_TIMEOUT, else the CLI's
// configured one, else 30 s.
func (d *Deps) Timeout() time.Duration {
	// Unset is the usual case, and strconv's error for "" is an allocation.
	if raw := strings.TrimSpace(d.Getenv("IBMCLOUD_HTTP_TIMEOUT")); raw != "" {
		if v, err := strconv.Atoi(raw); err == nil && v > 0 && v <= MaxHTTPTimeout {
			return time.Duration(v) * time.Second
		}
	}
	if d.Context != nil {
		if v := d.Context.HTTPTimeout(); v > 0 && v <= MaxHTTPTimeout {
			return time.Duration(v) * time.Second
		}
	}
	return DefaultHTTPTimeout
}

// IAM returns an IAM client for the resolved endpoint.
func (d *Deps) IAM() (*token.IAM, error) {
	url, err := d.iamURL()
	if err != nil {
		return nil, err
	}
	timeout := d.Timeout()
	return &token.IAM{URL: url, Client: d.HTTPClient(timeout), Timeout: timeout}, nil
}

func (d *Deps) iamURL() (string, error) {
	var s endpoint.Session
	if d.Context != nil {
		s = d.Context
	}
	return endpoint.IAM(d.Getenv, s)
}

// outputOptions are --output and -q, which every command has.
type outputOptions struct {
	Output  string
	Quiet   bool
	formats []output.Format // what --output accepts here
}

// printer builds the Printer: -q picks the quiet form and hides notices;
// the CLI's quiet mode (IBMCLOUD_QUIET) only hides notices, as the SDK's UI
// does, and never changes what goes to stdout.
func (o *outputOptions) printer(d *Deps) (*output.Printer, error) {
	f, err := output.ParseFormat(o.Output, o.Quiet, o.formats)
	if err != nil {
		return nil, err
	}
	return &output.Printer{Out: d.IO.Out, Err: d.IO.ErrOut, T: d.T, Format: f, Quiet: o.Quiet || d.Quiet, Now: d.Now}, nil
}

func formatList(formats []output.Format) string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.Name()
	}
	return strings.Join(names, ", ")
}
