// Package kptoken is kp-token as the IBM Cloud CLI sees it: the SDK's
// plugin.Plugin (GetMetadata, Run). It is the only package that knows the
// SDK's plug-in runtime: it derives the metadata from the command tree,
// makes the process-wide SDK settings a run needs (settings.go), builds
// the factory the commands are given, runs the command line (package
// root), shows how it failed, and exits with its code.
package kptoken

import (
	"errors"
	"io"
	"os"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/config_helpers"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/terminal"
	sdk "github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmd/factory"
	"github.com/kp-token/kp-token/plugin/cmd/root"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/target"
	"github.com/kp-token/kp-token/plugin/token"
)

// Version is stamped at build time:
// -ldflags "-X github.com/kp-token/kp-token/plugin/kptoken.Version=1.2.3".
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
		Raise:  raise,
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
	f := factory.New(factory.Options{Stdin: p.Stdin, Stdout: p.Stdout, Stderr: p.Stderr, Locale: envLocale(p.Getenv),
		Getenv: p.Getenv, Environ: os.Environ, Version: Version, Commit: Commit})
	f.Help = cmdutil.NewHelp(f.Translator)
	return Metadata(root.NewCmdRoot(f, ""), Version)
}

// metadataRequested tells a 'SendMetadata' run, as plugin.Start does.
func (p *KPToken) metadataRequested() bool {
	args := p.Args
	if args == nil {
		args = os.Args[1:]
	}
	return len(args) == 1 && args[0] == "SendMetadata"
}

// Run runs one command and exits with its code: 0 success, 1 failure, 2
// incorrect usage, or the status 'exec' passes on (exitCode). When the
// command 'exec' ran was killed by a signal, kp-token dies of the same
// signal, as a shell loop around it (or the CLI, after a Ctrl-C) expects;
// Raise returns only when the signal cannot end the process, and the code
// (128+N) stands in.
func (p *KPToken) Run(ctx sdk.PluginContext, args []string) {
	err := p.run(ctx, args)
	var status *failure.ExitStatus
	if errors.As(err, &status) && status.Signal != nil && p.Raise != nil {
		p.Raise(status.Signal)
	}
	p.Exit(exitCode(err))
}

// exitCode is the process's exit code for how the run ended, from the
// error's type alone.
func exitCode(err error) int { return failure.ExitCode(err) }

// run runs one command line and shows how it failed, if it did. A
// configuration the SDK cannot read panics out of here, to main's
// RecoverConfigPanic.
func (p *KPToken) run(ctx sdk.PluginContext, args []string) error {
	locale := i18n.Resolve(append([]string{ctx.Locale()}, envCandidates(p.Getenv)...)...)
	secrets := &failure.Secrets{}
	// Every secret the run can meet is known before the first request, so
	// an echo in an error reply or a trace is hidden too.
	secrets.Add(token.StripBearer(ctx.IAMToken()), ctx.IAMRefreshToken())
	f := factory.New(factory.Options{
		Stdin: p.Stdin, Stdout: &cmdutil.CheckedWriter{W: p.Stdout}, Stderr: p.Stderr,
		Locale: locale, Context: pluginContext{ctx}, Getenv: p.Getenv, Environ: os.Environ, Secrets: secrets,
		ConfigPath: config_helpers.ConfigFilePath(), Exit: p.Exit,
		Version: Version, Commit: Commit,
	})
	defer applySettings(ctx, p.Getenv, locale, secrets, f.HTTPClient(f.Timeout))()

	err := root.Run(f, args)
	if fl, ok := failure.As(err); ok {
		cmdutil.PrintFailure(cmdutil.IOStreams{In: p.Stdin, Out: p.Stdout, ErrOut: p.Stderr}, f.Translator, secrets, fl)
	}
	return err
}

// pluginContext is the SDK's PluginContext as the commands see it
// (cmdutil.Context): its plug-in configuration through target.Settings,
// the part of the SDK's PluginConfig they use.
type pluginContext struct{ sdk.PluginContext }

func (c pluginContext) PluginConfig() target.Settings { return c.PluginContext.PluginConfig() }
