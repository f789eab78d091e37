// Package cmdtest runs kp-token's command lines the way 'ibmcloud' does,
// against local IAM-compatible servers (package iamtest): a config home
// with a session written through the SDK's own core_config setters, the
// environment the CLI gives a plug-in, and what a run prints and how it
// ends. A Host runs them in-process (the same factory, command tree,
// failure rendering and exit code as a real run, minus kptoken's
// process-wide settings), or, with Binary set, with the real binary.
//
// It is test support: only tests import it.
package cmdtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/core_config"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/cmd/factory"
	"github.com/kp-token/kp-token/plugin/cmd/root"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/kp"
	"github.com/kp-token/kp-token/plugin/target"
	"github.com/kp-token/kp-token/plugin/token"
)

// Keys the host's IAM knows: a service ID's and a user's.
const (
	ServiceKey = "Zk3_Ab9cD8eF7gH6iJ5kL4mN3oP2qR1sT0uV9wX8yZ7a"
	UserKey    = "Qq1_Ww2Ee3Rr4Tt5Yy6Uu7Ii8Oo9Pp0AaSsDdFfGgHhJ"
)

// Version is the version a run reports (the binary suite stamps it too).
const Version = "9.8.7"

// Host plays the part of 'ibmcloud': a config home, an IAM server, a
// Resource Controller, and the environment the CLI gives a plug-in.
type Host struct {
	T    *testing.T
	Home string
	IAM  *iamtest.Server
	// RC answers instance lookups; empty until a test adds instances. No
	// test may reach the real Resource Controller.
	RC  *iamtest.ResourceController
	Env map[string]string
	// Binary, when set, is the real kp-token, which Run then runs as the
	// CLI does; otherwise commands run in this process.
	Binary string
	// Now, when set, is the clock of in-process runs (time.Now otherwise).
	Now func() time.Time
}

// New is a host with a logged-out CLI (its endpoints configured).
func New(t *testing.T) *Host {
	t.Helper()
	// The one process-wide setting of kptoken's that changes what a command
	// does in-process: without it, Key Protect's client would retry on top
	// of kp-token's transport.
	kp.NoClientRetries()
	iam := iamtest.New()
	t.Cleanup(iam.Close)
	iam.AddAPIKey(ServiceKey, iamtest.ServiceID)
	iam.AddAPIKey(UserKey, iamtest.User)
	home := t.TempDir()
	rc := iamtest.NewResourceController(iam)
	t.Cleanup(rc.Close)
	h := &Host{T: t, Home: home, IAM: iam, RC: rc, Env: map[string]string{
		"RESOURCE_CONTROLLER_URL":   rc.URL,
		"IBMCLOUD_CONFIG_HOME":      home,
		"IBMCLOUD_PLUGIN_NAMESPACE": "kp-token",
		"IBMCLOUD_CLI":              "ibmcloud",
		"HOME":                      home,
		"PATH":                      os.Getenv("PATH"),
		"SYSTEMROOT":                os.Getenv("SYSTEMROOT"),
		"TZ":                        "UTC",
	}}
	if dir := os.Getenv("KP_TOKEN_COVERDIR"); dir != "" {
		// make cover: the binary, built with -cover, writes its counters
		// there ('go test -cover' gives the tests a GOCOVERDIR of its own).
		h.Env["GOCOVERDIR"] = dir
	}
	h.Login(iamtest.Session{})
	return h
}

// Login writes the CLI session through the SDK's core_config setters.
func (h *Host) Login(s iamtest.Session) {
	h.T.Helper()
	if s.IAMEndpoint == "" {
		s.IAMEndpoint = h.IAM.URL
	}
	if err := iamtest.WriteSession(h.Home, s); err != nil {
		h.T.Fatal(err)
	}
}

// LoginUser logs a user in with a token valid for ttl, as 'ibmcloud login
// --sso' leaves it.
func (h *Host) LoginUser(ttl time.Duration, mod ...func(*iamtest.Session)) (access, refresh string) {
	access = h.IAM.AccessToken(iamtest.User, "urn:ibm:params:oauth:grant-type:passcode", ttl)
	refresh = h.IAM.IssueRefreshToken(iamtest.User)
	s := iamtest.Session{AccessToken: access, RefreshToken: refresh, Region: "us-south", Account: iamtest.User.Account}
	for _, m := range mod {
		m(&s)
	}
	h.Login(s)
	return access, refresh
}

// Session reads the CLI config back through the SDK.
func (h *Host) Session() core_config.Repository {
	return core_config.NewCoreConfigFromPath(h.configPath(), func(err error) { h.T.Fatal(err) })
}

func (h *Host) configPath() string { return filepath.Join(h.Home, "config.json") }

// PluginDir is the plug-in's directory, as the CLI gives it.
func (h *Host) PluginDir() string { return filepath.Join(h.Home, "plugins", "kp-token") }

// CacheDir is the token cache's folder.
func (h *Host) CacheDir() string { return filepath.Join(h.PluginDir(), "cache") }

// EntryPath is the cache entry of an API key's tokens.
func (h *Host) EntryPath(apikey string) string {
	return filepath.Join(h.CacheDir(), cache.Key{Endpoint: h.IAM.URL, APIKey: apikey}.ID()+".json")
}

// Write writes a file in the home folder and returns its path.
func (h *Host) Write(name, content string) string {
	h.T.Helper()
	p := filepath.Join(h.Home, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		h.T.Fatal(err)
	}
	return p
}

// RefreshRequests counts the refresh_token grants IAM saw.
func (h *Host) RefreshRequests() int {
	n := 0
	for _, r := range h.IAM.Requests() {
		if r.Form["grant_type"] == "refresh_token" {
			n++
		}
	}
	return n
}

// Result is how a run ended.
type Result struct {
	Stdout, Stderr string
	Code           int
}

func (r Result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.Code, r.Stdout, r.Stderr)
}

// Run runs a command line as the CLI does: '<binary> <command> [args]'.
func (h *Host) Run(stdin string, args ...string) Result {
	h.T.Helper()
	return h.RunEnv(nil, stdin, args...)
}

// RunEnv is Run with variables added to the environment.
func (h *Host) RunEnv(extra map[string]string, stdin string, args ...string) Result {
	h.T.Helper()
	return h.run(extra, strings.NewReader(stdin), args)
}

// RunInput is Run with in as standard input: a terminal (Terminal), say.
func (h *Host) RunInput(in io.Reader, args ...string) Result {
	h.T.Helper()
	return h.run(nil, in, args)
}

func (h *Host) run(extra map[string]string, stdin io.Reader, args []string) Result {
	h.T.Helper()
	env := map[string]string{}
	for k, v := range h.Env {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	if h.Binary != "" {
		return h.runBinary(env, stdin, args)
	}
	return h.runHere(env, stdin, args)
}

// Environ is env as a process environment.
func Environ(env map[string]string) []string {
	list := make([]string, 0, len(env))
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)
	return list
}

func (h *Host) runBinary(env map[string]string, stdin io.Reader, args []string) Result {
	h.T.Helper()
	cmd := exec.Command(h.Binary, args...)
	cmd.Env = Environ(env)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		h.T.Fatalf("running kp-token: %v", err)
	}
	return Result{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// session is the CLI session as the SDK's PluginContext gives it: the
// config read through core_config, the plug-in's directory, and the
// environment of this run rather than the test process's.
type session struct {
	core_config.ReadWriter
	dir      string
	env      map[string]string
	settings *PluginConfig
}

func (s *session) PluginDirectory() string { return s.dir }

// PluginConfig is the plug-in's own configuration as the SDK keeps it: a
// JSON object in config.json of the plug-in's folder, read once per run
// and written whole on every change (0600). The binary suite checks the
// SDK's own against it.
func (s *session) PluginConfig() target.Settings {
	if s.settings == nil {
		s.settings = &PluginConfig{Path: filepath.Join(s.dir, "config.json")}
	}
	return s.settings
}

func (s *session) VPCCRITokenURL() string {
	if v := s.env["IBMCLOUD_CR_VPC_URL"]; v != "" {
		return v
	}
	return s.ReadWriter.VPCCRITokenURL()
}

// runHere runs the command line in this process: the factory a real run
// builds, package root's Run, and FAILED and the exit code as kptoken
// shows them.
func (h *Host) runHere(env map[string]string, in io.Reader, args []string) Result {
	h.T.Helper()
	getenv := func(k string) string { return env[k] }
	var configErr error
	rw := core_config.NewCoreConfigFromPath(h.configPath(), func(err error) { configErr = err })
	ctx := &session{ReadWriter: rw, dir: h.PluginDir(), env: env}
	locale := i18n.Resolve(ctx.Locale(), env["LC_ALL"], env["LC_MESSAGES"], env["LANG"])
	secrets := &failure.Secrets{}
	secrets.Add(token.StripBearer(ctx.IAMToken()), ctx.IAMRefreshToken())
	var out, errb bytes.Buffer
	f := factory.New(factory.Options{
		Stdin: in, Stdout: &cmdutil.CheckedWriter{W: &out}, Stderr: &errb,
		Locale: locale, Context: ctx, Getenv: getenv, Environ: func() []string { return Environ(env) },
		Secrets: secrets, ConfigPath: h.configPath(), Version: Version, Now: h.Now,
	})
	err := root.Run(f, args)
	if configErr != nil {
		h.T.Fatalf("the CLI configuration could not be read: %v", configErr)
	}
	if fl, ok := failure.As(err); ok {
		cmdutil.PrintFailure(cmdutil.IOStreams{In: in, Out: &out, ErrOut: &errb}, f.Translator, secrets, fl)
	}
	return Result{Stdout: out.String(), Stderr: errb.String(), Code: failure.ExitCode(err)}
}

// ExpectFailure checks the shape of every failure: FAILED and the cause
// and remedy on stderr, nothing on stdout, the exit code.
func ExpectFailure(t *testing.T, r Result, code int, cause, remedy string) {
	t.Helper()
	if r.Code != code || r.Stdout != "" || !strings.HasPrefix(r.Stderr, "FAILED\n") ||
		!strings.Contains(r.Stderr, cause) || !strings.Contains(r.Stderr, remedy) {
		t.Fatalf("want exit %d, FAILED, %q and %q:\n%s", code, cause, remedy, r)
	}
}

// AssertNoSecrets fails if any secret appears in the text.
func AssertNoSecrets(t *testing.T, where string, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Fatalf("%s contains a secret (%.6s...)", where, s)
		}
	}
}

// BearerOf is the token of stdout that is exactly one 'Bearer <token>'
// line.
func BearerOf(t *testing.T, stdout string) string {
	t.Helper()
	line := strings.TrimSuffix(stdout, "\n")
	if strings.Count(stdout, "\n") != 1 || !strings.HasPrefix(line, "Bearer ") {
		t.Fatalf("stdout is not exactly one 'Bearer <token>' line: %q", stdout)
	}
	return strings.TrimPrefix(line, "Bearer ")
}

// JSONOf is stdout as one JSON object.
func JSONOf(t *testing.T, r Result) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &m); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, r)
	}
	return m
}

// UntrustedTLS is an https server whose certificate this machine does not
// trust; its handshake errors stay out of the test log.
func UntrustedTLS(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// ReadEntryToken is the access token a cache entry file holds.
func ReadEntryToken(t *testing.T, path string) string {
	t.Helper()
	var e cache.Entry
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e.Token.AccessToken
}

// ReadTokenFile is a token file as JSON.
func ReadTokenFile(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("token file is not JSON: %v", err)
	}
	return doc
}

// Start runs a command line in the background, in-process or as a
// process; wait gives its result.
func (h *Host) Start(args ...string) (wait func() Result) {
	h.T.Helper()
	done := make(chan Result, 1)
	go func() { done <- h.Run("", args...) }()
	return func() Result { return <-done }
}

// Factory is a factory for tests of a command's options (runF): no CLI
// session, empty streams, an empty environment.
func Factory() *cmdutil.Factory {
	return factory.New(factory.Options{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard,
		Locale: "en_US", Getenv: func(string) string { return "" }, Environ: func() []string { return nil }})
}

// Parse runs a command built for a run with args, as its own root, and
// returns the error its flags, arguments or runF gave.
func Parse(c interface {
	SetArgs([]string)
	SetOut(io.Writer)
	SetErr(io.Writer)
	Execute() error
}, args string) error {
	c.SetArgs(strings.Fields(args))
	c.SetOut(io.Discard)
	c.SetErr(io.Discard)
	return c.Execute()
}
