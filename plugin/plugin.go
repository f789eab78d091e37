// Package plugin is kp-token as the IBM Cloud CLI sees it: metadata derived
// from the Cobra tree, and Run, which turns a PluginContext and arguments
// into a command run and an exit code. It is the only place that knows both
// the SDK's runtime and Cobra.
package plugin

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/config_helpers"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/terminal"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/trace"
	sdki18n "github.com/IBM-Cloud/ibm-cloud-cli-sdk/i18n"
	sdk "github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"
	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmd"
	"github.com/kp-token/kp-token/plugin/endpoint"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/httpclient"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

// Version is stamped at build time:
// -ldflags "-X github.com/kp-token/kp-token/plugin.Version=1.2.3".
var Version = "0.1.0"

// Commit is the commit the binary was built from, stamped like Version.
var Commit = ""

// Name is the plug-in's name.
const Name = "kp-token"

// KPToken implements the SDK's plugin.Plugin.
type KPToken struct {
	// Getenv reads the environment; tests may replace it.
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Exit ends the process with a code; tests may replace it.
	Exit func(int)
	// Raise ends the process with a signal, if it can; nil in tests.
	Raise func(os.Signal)
	// Args are the process arguments (os.Args[1:] when nil).
	Args []string
}

// New returns the plug-in wired to the real process.
func New() *KPToken {
	return &KPToken{
		Getenv: os.Getenv,
		Stdin:  os.Stdin,
		Stdout: terminal.Output,
		Stderr: terminal.ErrOutput,
		Exit:   os.Exit,
		Raise:  cmd.Raise,
	}
}

// GetMetadata describes the plug-in. It runs for 'SendMetadata' before any
// session is read, so its language can only come from the environment; it
// must not touch the session.
//
// The SDK calls it on every run, for the plug-in's name only: the whole
// metadata (the command tree, translated) is built for 'SendMetadata'.
func (p *KPToken) GetMetadata() sdk.PluginMetadata {
	if !p.metadataRequested() {
		return sdk.PluginMetadata{Name: Name}
	}
	tr := i18n.New(envLocale(p.Getenv))
	d := &cmd.Deps{T: tr, Getenv: p.Getenv, Secrets: &failure.Secrets{}}
	return Metadata(cmd.NewRoot(d), Version, tr)
}

// metadataRequested tells a 'SendMetadata' run, as plugin.Start does.
func (p *KPToken) metadataRequested() bool {
	args := p.Args
	if args == nil {
		args = os.Args[1:]
	}
	return len(args) == 1 && args[0] == "SendMetadata"
}

// Metadata builds the SDK metadata from the Cobra tree, so that help,
// metadata and behaviour cannot drift apart.
func Metadata(root *cobra.Command, version string, t *i18n.Translator) sdk.PluginMetadata {
	md := sdk.PluginMetadata{
		Name:                     Name,
		Version:                  parseVersion(version),
		MinCliVersion:            sdk.VersionType{Major: 2, Minor: 0, Build: 0},
		PrivateEndpointSupported: true,
		IsCobraPlugin:            true,
		Namespaces:               []sdk.Namespace{{Name: cmd.Namespace, Description: cmd.ShortText(root, t)}},
	}
	for _, c := range root.Commands() {
		if c.Hidden {
			continue
		}
		md.Commands = append(md.Commands, sdk.Command{
			Namespace:   cmd.Namespace,
			Name:        c.Name(),
			Aliases:     c.Aliases,
			Description: cmd.ShortText(c, t),
			Usage:       cmd.UsageText(c, t),
			Flags:       pluginFlags(c, t),
		})
	}
	return md
}

// pluginFlags are the SDK's flags of c with their help translated.
func pluginFlags(c *cobra.Command, t *i18n.Translator) []sdk.Flag {
	flags := sdk.ConvertCobraFlagsToPluginFlags(c)
	for i, f := range flags {
		name := f.Name
		if j := strings.LastIndex(name, ","); j >= 0 {
			name = name[j+1:]
		}
		if pf := c.Flags().Lookup(name); pf != nil {
			flags[i].Description = cmd.FlagText(pf, t)
		}
	}
	return flags
}

func parseVersion(v string) sdk.VersionType {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		v = v[:i]
	}
	parts := strings.SplitN(v, ".", 3)
	nums := [3]int{}
	for i := range parts {
		nums[i], _ = strconv.Atoi(parts[i])
	}
	return sdk.VersionType{Major: nums[0], Minor: nums[1], Build: nums[2]}
}

// RecoverConfigPanic turns the SDK's panic on a CLI configuration it cannot
// read or write ("configuration error: ...", raised by plugin.Start before
// Run, or by the session during it) into FAILED with the path and the
// cause, exit 1. main defers it around plugin.Start; any other panic goes
// on.
func RecoverConfigPanic() {
	r := recover()
	if r == nil {
		return
	}
	msg, ok := r.(string)
	if !ok || !strings.HasPrefix(msg, "configuration error: ") {
		panic(r)
	}
	os.Exit(reportConfigPanic(New(), msg))
}

func reportConfigPanic(p *KPToken, msg string) int {
	tr := i18n.New(envLocale(p.Getenv))
	path := map[string]any{"Path": config_helpers.ConfigFilePath()}
	f := failure.New("config_unreadable", path).WithRemedy("config_remedy", path).
		WithDetail(strings.TrimPrefix(msg, "configuration error: "))
	terminal.NewUI(p.Stdin, p.Stdout, p.Stderr).Failed("%s", cmd.RenderFailure(tr, f).Message(tr, false))
	return failure.ExitError
}

// Run runs one command and exits with its code. When the command 'exec'
// ran was killed by a signal, kp-token dies of the same signal, as a shell
// loop around it (or the CLI, after a Ctrl-C) expects; Raise returns only
// when the signal cannot end the process, and the code (128+N) stands in.
func (p *KPToken) Run(ctx sdk.PluginContext, args []string) {
	code, sig := p.execute(ctx, args)
	if sig != nil && p.Raise != nil {
		p.Raise(sig)
	}
	p.Exit(code)
}

// Execute runs one command and returns its exit code: 0 success, 1 failure,
// 2 incorrect usage.
func (p *KPToken) Execute(ctx sdk.PluginContext, args []string) int {
	code, _ := p.execute(ctx, args)
	return code
}

// execute is Execute, with the signal that killed the command 'exec' ran.
func (p *KPToken) execute(ctx sdk.PluginContext, args []string) (code int, sig os.Signal) {
	defer func() {
		// The session reads the config lazily and panics when it cannot.
		if r := recover(); r != nil {
			msg, ok := r.(string)
			if !ok || !strings.HasPrefix(msg, "configuration error: ") {
				panic(r)
			}
			code = reportConfigPanic(p, msg)
		}
	}()
	locale := i18n.Resolve(append([]string{ctx.Locale()}, envCandidates(p.Getenv)...)...)
	tr := i18n.New(locale)
	// plugin.Start already set the SDK's words (FAILED, OK) from the
	// session's locale (en_US when it has none); only a locale from LANG
	// needs them set again.
	if i18n.Resolve(ctx.Locale()) != locale {
		setSDKLocale(locale)
	}
	terminal.UserAskedForColors = ctx.ColorEnabled()
	terminal.InitColorSupport()
	// One IAM endpoint for every path: the SDK's session renewal reads
	// IAM_ENDPOINT as it is, so it gets the normalized value kp-token uses.
	if v := p.Getenv("IAM_ENDPOINT"); v != "" {
		if u, err := endpoint.Check(strings.TrimSpace(v), "IAM_ENDPOINT"); err == nil {
			_ = os.Setenv("IAM_ENDPOINT", u)
		}
	}
	out := &checkedWriter{w: p.Stdout}
	secrets := &failure.Secrets{}
	// Every secret the run can meet is known before the first request, so an
	// echo in an error reply or a trace is hidden too.
	secrets.Add(token.StripBearer(ctx.IAMToken()), ctx.IAMRefreshToken())
	traceSetting := ctx.Trace()
	trace.Logger = scrubTrace(trace.NewLogger(traceSetting), secrets)
	defer closeTrace(traceSetting)

	d := &cmd.Deps{
		IO:         cmd.IOStreams{In: p.Stdin, Out: out, ErrOut: p.Stderr},
		T:          tr,
		Context:    ctx,
		Getenv:     p.Getenv,
		Environ:    os.Environ,
		Now:        time.Now,
		HTTPClient: httpclient.New,
		Secrets:    secrets,
		Quiet:      quietEnv(p.Getenv("IBMCLOUD_QUIET")),
		Version:    Version,
		Commit:     Commit,
		Renewer: &token.ConfigSession{
			ConfigPath: config_helpers.ConfigFilePath(),
			LockPath:   filepath.Join(ctx.PluginDirectory(), "session.lock"),
			LockWait:   time.Minute,
			Exit:       p.Exit,
		},
	}
	// The SDK renews the session (PluginContext.RefreshIAMToken) through its
	// REST client, which takes http.DefaultClient: give it the same timeout
	// and trace transport as kp-token's own IAM calls.
	http.DefaultClient = d.HTTPClient(d.Timeout())
	ui := terminal.NewUI(p.Stdin, p.Stdout, p.Stderr)
	var root *cobra.Command
	var command string // the command that ran, for the pointer to its help
	var err error
	if opts, ok := cmd.ParseGet(args); ok {
		// A script's 'get' in a loop: no command tree to build.
		command = "get"
		err = cmd.RunParsedGet(d, opts)
	} else {
		root = cmd.NewRootFor(d, firstArg(args))
		root.SetArgs(args)
		var executed *cobra.Command
		executed, err = root.ExecuteC()
		if executed != nil && executed != root {
			command = executed.Name()
		}
	}
	if _, isFailure := failure.As(err); out.err != nil && !isFailure {
		// A script must see that its data did not arrive (>/dev/full, a
		// closed pipe).
		err = failure.New("stdout_write_failed", nil).WithRemedy("stdout_write_remedy", nil).WithDetail(out.err.Error())
	}
	if err == nil {
		return failure.ExitOK, nil
	}
	var status *failure.ExitStatus
	if errors.As(err, &status) {
		return status.Code, status.Signal
	}
	f, ok := failure.As(err)
	switch {
	case ok:
	case root != nil && strings.HasPrefix(err.Error(), "unknown command"):
		f = failure.Usagef("usage_unknown_command", map[string]any{"Command": output.SafeLine(firstArg(args))}).Wrap(err)
		if s := cmd.NearestCommand(root, firstArg(args)); s != "" {
			f.WithReason("usage_did_you_mean", map[string]any{"Suggestion": s})
		}
	default:
		// Not a failure the commands foresaw (writing to a closed stdout,
		// say): still FAILED and exit 1, with the scrubbed detail.
		f = failure.New("unexpected_error", map[string]any{"Detail": err.Error()}).Wrap(err)
	}
	if f.Usage && f.Remedy == "" {
		// One line of cause and where the usage is, not the whole help.
		pointer := "ibmcloud " + cmd.Namespace
		if command != "" {
			pointer += " " + command
		}
		f.WithRemedy("usage_help_pointer", map[string]any{"Command": pointer})
	}
	msg := cmd.RenderFailure(tr, f).Message(tr, f.Usage)
	ui.Failed("%s", d.Secrets.Scrub(msg))
	return f.ExitCode, nil
}

// checkedWriter remembers the first error writing to stdout, so that a
// command whose data could not be written does not exit 0.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// Unwrap is the real stdout, for a child process to inherit.
func (c *checkedWriter) Unwrap() io.Writer { return c.w }

func firstArg(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

func quietEnv(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	return v != "" && v != "false" && v != "0"
}

// envCandidates are the POSIX locale variables in precedence order.
func envCandidates(getenv func(string) string) []string {
	return []string{getenv("LC_ALL"), getenv("LC_MESSAGES"), getenv("LANG")}
}

func envLocale(getenv func(string) string) string {
	return i18n.Resolve(envCandidates(getenv)...)
}

// setSDKLocale makes the SDK's own words (FAILED, OK) match ours. plugin.Start
// sets them from the session's locale only; when ours came from LANG the SDK
// would otherwise stay English. The SDK's catalog for the language is
// loaded when one of its words is first used: loading it cost a cached
// 'get -q' 8% of its run (a Japanese LANG, measured), and most runs print
// none of them.
func setSDKLocale(locale string) {
	english := sdki18n.T
	var once sync.Once
	t := english
	sdki18n.T = func(id string, args ...any) string {
		once.Do(func() { t = sdkWords(locale, english) })
		return t(id, args...)
	}
}

// sdkWords is the SDK's translation for locale. A panic in the SDK's
// loader must not take the command down: English is an acceptable
// fallback.
func sdkWords(locale string, fallback sdki18n.TranslateFunc) (t sdki18n.TranslateFunc) {
	defer func() {
		if recover() != nil {
			t = fallback
		}
	}()
	return sdki18n.MustTfunc(locale)
}

// scrubTrace wraps the SDK's trace printer so that every known secret is
// masked: the SDK's own sanitizing knows field names only, and a server that
// echoes a key in an error body would otherwise show it.
func scrubTrace(p trace.Printer, s *failure.Secrets) trace.Printer {
	if _, off := p.(*trace.NullLogger); off {
		return p
	}
	return &scrubbedTrace{inner: p, secrets: s}
}

type scrubbedTrace struct {
	inner   trace.Printer
	secrets *failure.Secrets
}

func (t *scrubbedTrace) Print(v ...any) { t.inner.Print(t.scrub(fmt.Sprint(v...))) }
func (t *scrubbedTrace) Printf(format string, v ...any) {
	t.inner.Print(t.scrub(fmt.Sprintf(format, v...)))
}
func (t *scrubbedTrace) Println(v ...any) { t.inner.Print(t.scrub(fmt.Sprintln(v...))) }

func (t *scrubbedTrace) scrub(s string) string {
	secretMemberOnce.Do(func() {
		secretMember = regexp.MustCompile(`(?i)("[^"\\]*(?:password|passcode|secret|token|apikey)[^"_\\]*")(\s*:\s*)"(?:[^"\\]|\\.)*"`)
	})
	s = secretMember.ReplaceAllString(t.secrets.Scrub(s), `$1$2"`+failure.Hidden+`"`)
	// A traced body is server text bound for a terminal: its control
	// characters are shown escaped, never sent (HTTP's CRLF stays a line
	// break).
	return output.SafeText(strings.ReplaceAll(s, "\r\n", "\n"))
}

// secretMember matches a JSON member whose name says it holds a secret,
// however it is spaced. The SDK's sanitizing wants '"apikey":' with no
// space before the colon; nothing binds a server to that, and the new API
// key that 'setup' receives is in a reply, before anything could record it
// as a secret. Compiled on the first traced line: most runs trace nothing.
var (
	secretMember     *regexp.Regexp
	secretMemberOnce sync.Once
)

func (t *scrubbedTrace) Close() error {
	if c, ok := t.inner.(trace.Closer); ok {
		return c.Close()
	}
	return nil
}

// closeTrace closes a trace file; "true" traces to stderr, which stays open.
func closeTrace(setting string) {
	switch strings.ToLower(setting) {
	case "", "true", "false":
		return
	}
	if c, ok := trace.Logger.(trace.Closer); ok {
		_ = c.Close()
	}
}
