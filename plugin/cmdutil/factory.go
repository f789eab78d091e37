package cmdutil

import (
	"net/http"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/endpoint"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/target"
	"github.com/kp-token/kp-token/plugin/token"
)

// Context is the part of the SDK's PluginContext the commands use: the
// CLI's session, endpoints and targeting.
type Context interface {
	endpoint.Session
	token.Session
	HTTPTimeout() int
	PluginDirectory() string
	// PluginConfig is the plug-in's own settings (the SDK's
	// PluginContext.PluginConfig(), config.json in PluginDirectory).
	PluginConfig() target.Settings
	CurrentRegion() models.Region
	CurrentAccount() models.Account
	CurrentResourceGroup() models.ResourceGroup
}

// Factory is what commands are given instead of reaching for globals
// (package factory builds the real one; tests build their own). It is
// set up once per run and holds no state of its own: what a run learns
// lives in the resolvers it builds.
type Factory struct {
	IO         IOStreams
	Translator *i18n.Translator
	// Help renders the tree's texts when it is built for help or metadata;
	// nil for a run.
	Help *Help
	// Context is the CLI's session; nil while building metadata.
	Context Context
	Getenv  func(string) string
	// Environ is the whole environment, for commands that start others.
	Environ func() []string
	Now     func() time.Time
	// HTTPClient builds the client for IBM Cloud APIs with a timeout;
	// Timeout is the run's (IBMCLOUD_HTTP_TIMEOUT, the CLI's, or 30 s).
	HTTPClient func(timeout time.Duration) *http.Client
	Timeout    time.Duration
	// Secrets collects every key and token the run handles, so that no
	// message or trace shows them.
	Secrets *failure.Secrets
	// Quiet is the CLI's quiet mode (IBMCLOUD_QUIET): notices hidden, data
	// unchanged.
	Quiet bool
	// Version and Commit are stamped at build time.
	Version, Commit string

	// Credentials builds the resolver of where tokens come from, and
	// Targets the resolver of where they are used; both tell n what the
	// user should hear.
	Credentials func(n Notifier) *credential.Resolver
	Targets     func(n Notifier) *target.Resolver
	// Endpoint is the IAM endpoint the run uses, or why none can be.
	Endpoint func() (string, error)
	// Cache opens the token cache in the plug-in's directory.
	Cache func() (*cache.Cache, error)
}

// Notifier is what the resolvers tell the user (credential.Notifier,
// target.Notifier).
type Notifier interface {
	credential.Notifier
	target.Notifier
}
