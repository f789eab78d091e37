package cmd

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
)

// NewRoot builds the command tree.
func NewRoot(d *Deps) *cobra.Command { return NewRootFor(d, "") }

// constructors are the commands, by name.
var constructors = []struct {
	name string
	make func(*Deps) *cobra.Command
}{
	{"get", NewCmdGet}, {"refresh", NewCmdRefresh}, {"inspect", NewCmdInspect}, {"exec", NewCmdExec},
	{"verify", NewCmdVerify}, {"setup", NewCmdSetup}, {"cache-delete", NewCmdCacheDelete}, {"version", NewCmdVersion},
}

// NewRootFor builds the tree with only the named command when it is one of
// kp-token's: a run needs no other, and a script calling 'get' in a loop
// should not build eight. Any other name (empty, a typo, a flag) gets the
// whole tree, for the help and the nearest-command hint.
func NewRootFor(d *Deps, name string) *cobra.Command {
	root := newRoot(d)
	for _, c := range constructors {
		if c.name == name {
			root.AddCommand(c.make(d))
		}
	}
	if !root.HasSubCommands() {
		for _, c := range constructors {
			root.AddCommand(c.make(d))
		}
	}
	for _, c := range root.Commands() {
		setUp(c, d)
	}
	return root
}

// newRoot is the tree's root, without its commands. It runs only when no
// command matched: it shows the help, or refuses the first word as an
// unknown command, itself, so that the failure is typed rather than
// Cobra's English. Its own flags (-h) are parsed there too, after the
// command word, as Cobra would have looked for a command first.
func newRoot(d *Deps) *cobra.Command {
	root := &cobra.Command{
		Use:                cmdutil.Namespace,
		Short:              "namespace_description",
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
	root.SetIn(d.IO.In)
	root.SetOut(d.IO.Out)
	root.SetErr(d.IO.ErrOut)
	root.SetFlagErrorFunc(cmdutil.FlagError)
	root.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		if c == root {
			return nil // help or an unknown command: no environment to check
		}
		return d.checkTimeout()
	}
	root.Flags().BoolP("help", "h", false, "flag_help")
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { _ = cmdutil.WriteHelp(c.OutOrStdout(), c, d.T) })
	return root
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

// setUp gives a command what every command has: the --file check, -h and
// the localized help.
func setUp(c *cobra.Command, d *Deps) {
	c.PreRunE = cmdutil.CheckFileFlag
	c.Flags().BoolP("help", "h", false, "flag_help")
	c.SetHelpFunc(func(c *cobra.Command, _ []string) { _ = cmdutil.WriteHelp(c.OutOrStdout(), c, d.T) })
}

// Run runs the command args name and returns how it ended: nil, an
// *failure.ExitStatus (exec passes its child's status on), or a failure,
// any other error turned into one. A usage failure points at the help of
// the command that refused it.
func Run(d *Deps, args []string) error {
	root := NewRootFor(d, firstArg(args))
	root.SetArgs(args)
	executed, err := root.ExecuteC()
	if err == nil {
		return nil
	}
	if failure.Is(err, failure.KindUsage) {
		f, _ := failure.As(err)
		if f.Remedy == "" {
			// One line of cause and where the usage is, not the whole help.
			pointer := "ibmcloud " + cmdutil.Namespace
			if executed != nil && executed != root {
				pointer += " " + executed.Name()
			}
			f.WithRemedy("usage_help_pointer", map[string]any{"Command": pointer})
		}
	}
	return err
}

func firstArg(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// The helpers below keep the commands' own spelling while they move to
// cmdutil.

func noArgs(c *cobra.Command, args []string) error { return cmdutil.NoArgs(c, args) }

func annotate(usage string) map[string]string { return cmdutil.Usage(usage) }

func paragraphs(ids ...string) string { return cmdutil.Paragraphs(ids...) }

func writeRows(b *strings.Builder, rows [][2]string) { cmdutil.WriteRows(b, rows) }

func writeJSON(d *Deps, v any) error { return cmdutil.WriteJSON(d.IO.Out, v) }
