// Package root is kp-token's command tree: the root command ('ibmcloud
// kp-token'), its commands, and Run, which runs a command line and says
// how it ended.
package root

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/cmd/api"
	"github.com/kp-token/kp-token/plugin/cmd/cachedelete"
	"github.com/kp-token/kp-token/plugin/cmd/exec"
	"github.com/kp-token/kp-token/plugin/cmd/get"
	"github.com/kp-token/kp-token/plugin/cmd/inspect"
	"github.com/kp-token/kp-token/plugin/cmd/instances"
	"github.com/kp-token/kp-token/plugin/cmd/refresh"
	"github.com/kp-token/kp-token/plugin/cmd/setup"
	"github.com/kp-token/kp-token/plugin/cmd/verify"
	"github.com/kp-token/kp-token/plugin/cmd/version"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
)

// commands are kp-token's commands, by name, in the order help lists them.
var commands = []struct {
	name string
	make func(*cmdutil.Factory) *cobra.Command
}{
	{"get", func(f *cmdutil.Factory) *cobra.Command { return get.NewCmdGet(f, nil) }},
	{"refresh", func(f *cmdutil.Factory) *cobra.Command { return refresh.NewCmdRefresh(f, nil) }},
	{"inspect", func(f *cmdutil.Factory) *cobra.Command { return inspect.NewCmdInspect(f, nil) }},
	{"exec", func(f *cmdutil.Factory) *cobra.Command { return exec.NewCmdExec(f, nil) }},
	{"verify", func(f *cmdutil.Factory) *cobra.Command { return verify.NewCmdVerify(f, nil) }},
	{"instances", func(f *cmdutil.Factory) *cobra.Command { return instances.NewCmdInstances(f, nil) }},
	{"api", func(f *cmdutil.Factory) *cobra.Command { return api.NewCmdAPI(f, nil) }},
	{"setup", func(f *cmdutil.Factory) *cobra.Command { return setup.NewCmdSetup(f, nil) }},
	{"cache-delete", func(f *cmdutil.Factory) *cobra.Command { return cachedelete.NewCmdCacheDelete(f, nil) }},
	{"version", func(f *cmdutil.Factory) *cobra.Command { return version.NewCmdVersion(f, nil) }},
}

// NewCmdRoot builds the tree for a run of the command name: only that
// command when it is one of kp-token's (a run needs no other, and a script
// calling 'get' in a loop should not build eight); any other name (empty,
// a typo, a flag) gets the whole tree, for the help and the
// nearest-command hint.
func NewCmdRoot(f *cmdutil.Factory, name string) *cobra.Command {
	root := newRoot(f)
	for _, c := range commands {
		if c.name == name {
			root.AddCommand(c.make(f))
		}
	}
	if !root.HasSubCommands() {
		for _, c := range commands {
			root.AddCommand(c.make(f))
		}
	}
	for _, c := range root.Commands() {
		finish(f, c)
	}
	return root
}

// finish gives a command and its own commands ('instances use') what every
// command has: the --file check and a localized -h.
func finish(f *cmdutil.Factory, c *cobra.Command) {
	c.PreRunE = cmdutil.CheckFileFlag
	c.Flags().BoolP("help", "h", false, f.Help.T("flag_help"))
	for _, sub := range c.Commands() {
		finish(f, sub)
	}
}

// newRoot is the tree's root, without its commands. It runs only when no
// command matched: it shows the help, or refuses the first word as an
// unknown command itself, so that the failure is typed rather than
// Cobra's English. Its own flags (-h) are parsed there too, after the
// command word, as Cobra would have looked for a command first.
func newRoot(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:                cmdutil.Namespace,
		Short:              f.Help.T("namespace_description"),
		SilenceErrors:      true,
		SilenceUsage:       true,
		DisableFlagParsing: true,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
				return unknownCommand(c, args[0])
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if err := c.Flags().Parse(args); err != nil {
				return cmdutil.FlagError(c, err)
			}
			if rest := c.Flags().Args(); len(rest) > 0 {
				return unknownCommand(c, rest[0])
			}
			c.HelpFunc()(c, args)
			return nil
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetHelpCommand(&cobra.Command{Use: "no-help", Hidden: true})
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(cmdutil.FlagError)
	root.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		if c == root {
			return nil // help or an unknown command: no environment to check
		}
		return cmdutil.CheckHTTPTimeout(f.Getenv)
	}
	root.Flags().BoolP("help", "h", false, f.Help.T("flag_help"))
	root.SetHelpFunc(func(c *cobra.Command, _ []string) {
		_ = cmdutil.WriteHelp(c.OutOrStdout(), forHelp(f, c), f.Translator)
	})
	return root
}

// forHelp is c as a tree built for help has it. A run builds the tree
// without its texts, so when help is asked for, the tree is built again
// with them.
func forHelp(f *cmdutil.Factory, c *cobra.Command) *cobra.Command {
	if f.Help != nil {
		return c
	}
	hf := *f
	hf.Help = cmdutil.NewHelp(f.Translator)
	full := NewCmdRoot(&hf, "")
	if !c.HasParent() {
		return full
	}
	// The path below the root: 'instances use' is found under 'instances'.
	path := strings.Fields(c.CommandPath())[1:]
	if found, _, err := full.Find(path); err == nil {
		return found
	}
	return c
}

// unknownCommand refuses a first word that names no command, with the
// nearest command when one is close.
func unknownCommand(root *cobra.Command, typed string) error {
	f := failure.Usagef("usage_unknown_command", map[string]any{"Command": output.SafeLine(typed)})
	if s := cmdutil.NearestCommand(root, typed); s != "" {
		f.WithReason("usage_did_you_mean", map[string]any{"Suggestion": s})
	}
	return f
}

// helpCommand reads 'help [COMMAND]' as the CLI's own 'ibmcloud help
// COMMAND' does: the command's help, or without one (or with 'help' again)
// the namespace's. The CLI hands 'ibmcloud kp-token help get' over as
// 'help get'.
func helpCommand(args []string) []string {
	if len(args) == 0 || args[0] != "help" {
		return args
	}
	if len(args) == 1 || args[1] == "help" {
		return []string{"--help"}
	}
	return []string{args[1], "--help"}
}

// Run runs a command line and returns how it ended: nil, an
// *failure.ExitStatus (exec passes its child's status on), or a failure
// to show. Any other error becomes one, and so does data that could not be
// written to stdout (when f.IO.Out is a *cmdutil.CheckedWriter): a script
// must see that its data did not arrive. A usage failure points at the
// help of the command that refused it.
func Run(f *cmdutil.Factory, args []string) error {
	args = helpCommand(args)
	name := ""
	if len(args) > 0 {
		name = args[0]
	}
	root := NewCmdRoot(f, name)
	root.SetArgs(args)
	executed, err := root.ExecuteC()
	if w, ok := f.IO.Out.(*cmdutil.CheckedWriter); ok && w.WriteErr() != nil {
		if _, isFailure := failure.As(err); !isFailure {
			err = failure.New("stdout_write_failed", nil).WithRemedy("stdout_write_remedy", nil).WithDetail(w.WriteErr().Error())
		}
	}
	var status *failure.ExitStatus
	if err == nil || errors.As(err, &status) {
		return err
	}
	fl, ok := failure.As(err)
	if !ok {
		// Not a failure the commands foresaw: still FAILED and exit 1,
		// with the scrubbed detail.
		fl = failure.New("unexpected_error", map[string]any{"Detail": err.Error()}).Wrap(err)
		err = fl
	}
	if fl.Usage() && fl.Remedy == "" {
		// One line of cause and where the usage is, not the whole help.
		pointer := "ibmcloud " + cmdutil.Namespace
		if executed != nil && executed != root {
			pointer = "ibmcloud " + executed.CommandPath() // 'kp-token instances use'
		}
		fl.WithRemedy("usage_help_pointer", map[string]any{"Command": pointer})
	}
	return err
}
