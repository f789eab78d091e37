package cmd

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/template"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
)

// Namespace is the plug-in's namespace: 'ibmcloud kp-token COMMAND'.
const Namespace = "kp-token"

// usageAnnotation holds a command's usage line as the CLI shows it
// ('ibmcloud kp-token get [...]'); Cobra's own Use is only the name.
const usageAnnotation = "kp-token/usage"

// metavar names a flag's value in help where the flag's own name, in
// capitals, would not (KEY, not APIKEY). One table rather than an
// annotation on each flag: every command uses the same names, and a
// command line parsed for a run builds no annotation maps.
func metavar(flag string) string {
	switch flag {
	case "apikey":
		return "KEY"
	case "account", "instance-id":
		return "ID"
	case "cr-token":
		return "FILE"
	case "description":
		return "TEXT"
	case "kp-endpoint":
		return "URL"
	case "output":
		return "FORMAT"
	case "cache-wait", "min-validity":
		return "DURATION"
	}
	return strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// formatsAnnotation lists the --output values, the {{.Formats}} of its help.
const formatsAnnotation = "kp-token/formats"

// The command tree holds message IDs, not text: Short, Long (IDs separated
// by spaces, rendered as paragraphs), the usage annotation and flag usages
// are translated only when help or metadata is printed. A run that prints
// no message never loads a catalog.

// ShortText is a command's description in the translator's language.
func ShortText(c *cobra.Command, t *i18n.Translator) string { return t.T(c.Short) }

// UsageText is a command's usage line in the translator's language.
func UsageText(c *cobra.Command, t *i18n.Translator) string {
	if id := Usage(c); id != "" {
		return t.T(id)
	}
	return ""
}

// FlagText is a flag's help in the translator's language.
func FlagText(f *pflag.Flag, t *i18n.Translator) string {
	var data map[string]any
	if v := f.Annotations[formatsAnnotation]; len(v) > 0 {
		data = map[string]any{"Formats": v[0]}
	}
	return t.T(f.Usage, data)
}

// paragraphs is a Long made of several messages.
func paragraphs(ids ...string) string { return strings.Join(ids, " ") }

func longText(c *cobra.Command, t *i18n.Translator) string {
	if c.Long == "" {
		return ""
	}
	var parts []string
	for _, id := range strings.Fields(c.Long) {
		parts = append(parts, t.T(id))
	}
	return strings.Join(parts, "\n\n")
}

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

// newRoot is the tree's root, without its commands.
func newRoot(d *Deps) *cobra.Command {
	root := &cobra.Command{
		Use:           Namespace,
		Short:         "namespace_description",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetHelpCommand(&cobra.Command{Use: "no-help", Hidden: true})
	root.SetIn(d.IO.In)
	root.SetOut(d.IO.Out)
	root.SetErr(d.IO.ErrOut)
	root.SetFlagErrorFunc(flagError)
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return d.checkTimeout() }
	root.Flags().BoolP("help", "h", false, "flag_help")
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { _ = WriteHelp(c.OutOrStdout(), c, d) })
	return root
}

// setUp gives a command what every command has: the --file check, -h and
// the localized help.
func setUp(c *cobra.Command, d *Deps) {
	c.PreRunE = checkFileFlag
	c.Flags().BoolP("help", "h", false, "flag_help")
	c.SetHelpFunc(func(c *cobra.Command, _ []string) { _ = WriteHelp(c.OutOrStdout(), c, d) })
}

// Usage returns a command's usage line.
func Usage(c *cobra.Command) string { return c.Annotations[usageAnnotation] }

func annotate(usage string) map[string]string { return map[string]string{usageAnnotation: usage} }

// helpTemplate is parsed when help is first printed, not at start-up.
var (
	helpOnce   sync.Once
	helpParsed *template.Template
)

// helpTemplate is a function, not sync.OnceValue's result: a package
// variable set by a call is set at every start-up.
func helpTemplate() *template.Template {
	helpOnce.Do(func() {
		helpParsed = template.Must(template.New("help").Parse(
			`{{.NameHeader}}
  {{.Name}} - {{.Short}}

{{.UsageHeader}}
  {{.Usage}}
{{if .Commands}}
{{.CommandsHeader}}
{{.Commands}}{{end}}{{if .Long}}
{{.Long}}
{{end}}{{if .Flags}}
{{.OptionsHeader}}
{{.Flags}}{{end}}`))
	})
	return helpParsed
}

// WriteHelp prints a command's help in the layout of the CLI's own help
// (NAME, USAGE, OPTIONS), every word from the catalogs.
func WriteHelp(w io.Writer, c *cobra.Command, d *Deps) error {
	usage := UsageText(c, d.T)
	commands := ""
	if usage == "" {
		usage = d.T.T("root_usage")
		var names []string
		for _, s := range c.Commands() {
			if !s.Hidden {
				names = append(names, fmt.Sprintf("  %-14s %s", s.Name(), ShortText(s, d.T)))
			}
		}
		commands = strings.Join(names, "\n") + "\n"
	}
	return helpTemplate().Execute(w, map[string]any{
		"NameHeader":     d.T.T("help_name"),
		"UsageHeader":    d.T.T("help_usage"),
		"CommandsHeader": d.T.T("help_commands"),
		"OptionsHeader":  d.T.T("help_options"),
		"Name":           c.Name(),
		"Short":          ShortText(c, d.T),
		"Long":           longText(c, d.T),
		"Usage":          usage,
		"Commands":       commands,
		"Flags":          flagUsages(c.Flags(), d.T),
	})
}

// flagUsages lists flags like pflag does, without pflag's English
// "(default ...)" suffix: defaults are stated in the localized help text.
func flagUsages(fs *pflag.FlagSet, t *i18n.Translator) string {
	type row struct{ name, usage string }
	var rows []row
	width := 0
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		name := "--" + f.Name
		if f.Shorthand != "" {
			name = "-" + f.Shorthand + ", " + name
		} else {
			name = "    " + name
		}
		if f.Value.Type() != "bool" {
			name += " " + metavar(f.Name)
		}
		if w := displayWidth(name); w > width {
			width = w
		}
		rows = append(rows, row{name, FlagText(f, t)})
	})
	var b bytes.Buffer
	for _, r := range rows {
		pad := strings.Repeat(" ", width-displayWidth(r.name))
		fmt.Fprintf(&b, "  %s%s   %s\n", r.name, pad, r.usage)
	}
	return b.String()
}

// flagError turns pflag's English parse errors into localized usage
// failures: one line, the nearest option when one is close, and where the
// usage is. The offending flag is quoted as the user typed it.
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "unknown flag: "), strings.HasPrefix(msg, "unknown shorthand flag: "):
		flag := strings.TrimPrefix(strings.TrimPrefix(msg, "unknown flag: "), "unknown shorthand flag: ")
		if i := strings.Index(flag, " in "); i > 0 {
			flag = "-" + strings.Trim(flag[:i], "'")
		}
		// A mistyped '---apikey=KEY' must not echo the key.
		if i := strings.IndexByte(flag, '='); i >= 0 {
			flag = flag[:i]
		}
		f := failure.Usagef("usage_unknown_flag", map[string]any{"Flag": flag}).Wrap(err)
		if s := nearestFlag(c, flag); s != "" {
			f.WithReason("usage_did_you_mean", map[string]any{"Suggestion": s})
		}
		return f
	case strings.HasPrefix(msg, "bad flag syntax: "):
		flag, _, _ := strings.Cut(strings.TrimPrefix(msg, "bad flag syntax: "), "=")
		f := failure.Usagef("usage_unknown_flag", map[string]any{"Flag": output.SafeLine(flag)}).Wrap(err)
		if s := nearestFlag(c, flag); s != "" {
			f.WithReason("usage_did_you_mean", map[string]any{"Suggestion": s})
		}
		return f
	case strings.HasPrefix(msg, "flag needs an argument: "):
		flag := strings.TrimPrefix(msg, "flag needs an argument: ")
		flag = strings.Trim(strings.TrimPrefix(flag, "'"), "'")
		if i := strings.Index(flag, "' in "); i > 0 {
			flag = "-" + flag[:i]
		}
		return failure.Usagef("usage_flag_needs_value", map[string]any{"Flag": flag}).Wrap(err)
	case strings.HasPrefix(msg, "invalid argument "):
		// invalid argument "x" for "--min-validity" flag: ...
		parts := strings.Split(msg, `"`)
		if len(parts) >= 4 {
			id := "usage_invalid_value"
			name := strings.TrimLeft(parts[3], "-")
			if i := strings.Index(name, ", --"); i >= 0 {
				name = name[i+4:]
			}
			if f := c.Flags().Lookup(name); f != nil && f.Value.Type() == "duration" {
				id = "usage_invalid_duration"
			}
			return failure.Usagef(id, map[string]any{"Value": output.SafeLine(parts[1]), "Flag": parts[3]}).Wrap(err)
		}
	}
	// pflag's text may hold a value: keep only what precedes one.
	msg, _, _ = strings.Cut(msg, "=")
	return failure.Usagef("usage_generic", map[string]any{"Detail": output.SafeLine(msg)}).Wrap(err)
}

// nearestFlag is the option closest to a mistyped one (at most two edits
// away, or the one it begins), if any.
func nearestFlag(c *cobra.Command, typed string) string {
	typed = strings.TrimLeft(typed, "-")
	best, bestDist, prefixed := "", 3, ""
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		if d := levenshtein(typed, f.Name); d < bestDist {
			best, bestDist = f.Name, d
		}
		if len(typed) >= 3 && strings.HasPrefix(f.Name, typed) && prefixed == "" {
			prefixed = f.Name
		}
	})
	if best == "" {
		best = prefixed
	}
	if best == "" {
		return ""
	}
	return "--" + best
}

// levenshtein is the edit distance between a and b.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// NearestCommand is the command closest to a mistyped one, if any.
func NearestCommand(root *cobra.Command, typed string) string {
	best, bestDist := "", 3
	for _, c := range root.Commands() {
		if c.Hidden {
			continue
		}
		if d := levenshtein(typed, c.Name()); d < bestDist {
			best, bestDist = c.Name(), d
		}
	}
	return best
}

// checkFileFlag refuses --file "" (an unset variable, which would print
// the token into a CI log instead) and --file - (a file named '-' is never
// what was meant).
func checkFileFlag(c *cobra.Command, _ []string) error {
	f := c.Flags().Lookup("file")
	if f == nil || !f.Changed {
		return nil
	}
	switch strings.TrimSpace(f.Value.String()) {
	case "":
		return failure.Usagef("usage_file_empty", nil)
	case "-":
		return failure.Usagef("usage_file_dash", nil)
	}
	return nil
}

// noArgs rejects positional arguments with a localized message.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		// The argument is not echoed: a key pasted in the wrong place is a secret.
		return failure.Usagef("usage_unexpected_arg", nil)
	}
	return nil
}
