package cmd

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/mattn/go-runewidth"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kp-token/kp-token/plugin/failure"
)

// Namespace is the plug-in's namespace: 'ibmcloud kp-token COMMAND'.
const Namespace = "kp-token"

// usageAnnotation holds a command's usage line as the CLI shows it
// ('ibmcloud kp-token get [...]'); Cobra's own Use is only the name.
const usageAnnotation = "kp-token/usage"

// metavarAnnotation names a flag's value in help (KEY, DURATION, FILE).
const metavarAnnotation = "kp-token/metavar"

// metavar sets the value name shown for a flag in help.
func metavar(c *cobra.Command, flag, name string) {
	_ = c.Flags().SetAnnotation(flag, metavarAnnotation, []string{name})
}

// NewRoot builds the command tree.
func NewRoot(d *Deps) *cobra.Command {
	root := &cobra.Command{
		Use:           Namespace,
		Short:         d.T.T("namespace_description"),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetHelpCommand(&cobra.Command{Use: "no-help", Hidden: true})
	root.SetIn(d.IO.In)
	root.SetOut(d.IO.Out)
	root.SetErr(d.IO.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError(err) })
	root.AddCommand(NewCmdGet(d), NewCmdRefresh(d), NewCmdInspect(d), NewCmdExec(d), NewCmdVerify(d), NewCmdSetup(d), NewCmdCacheDelete(d))
	for _, c := range root.Commands() {
		c.PreRunE = checkFileFlag
		c.Flags().BoolP("help", "h", false, d.T.T("flag_help"))
		c.SetHelpFunc(func(c *cobra.Command, _ []string) { _ = WriteHelp(c.OutOrStdout(), c, d) })
	}
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { _ = WriteHelp(c.OutOrStdout(), c, d) })
	return root
}

// Usage returns a command's usage line.
func Usage(c *cobra.Command) string { return c.Annotations[usageAnnotation] }

func annotate(usage string) map[string]string { return map[string]string{usageAnnotation: usage} }

var helpTemplate = template.Must(template.New("help").Parse(
	`{{.NameHeader}}
  {{.Name}} - {{.Short}}

{{.UsageHeader}}
  {{.Usage}}
{{if .Long}}
{{.Long}}
{{end}}{{if .Flags}}
{{.OptionsHeader}}
{{.Flags}}{{end}}`))

// WriteHelp prints a command's help in the layout of the CLI's own help
// (NAME, USAGE, OPTIONS), every word from the catalogs.
func WriteHelp(w io.Writer, c *cobra.Command, d *Deps) error {
	usage := Usage(c)
	if usage == "" {
		var names []string
		for _, s := range c.Commands() {
			if !s.Hidden {
				names = append(names, fmt.Sprintf("  %-14s %s", s.Name(), s.Short))
			}
		}
		usage = "ibmcloud " + Namespace + " COMMAND [OPTIONS]\n\n" + strings.Join(names, "\n")
	}
	return helpTemplate.Execute(w, map[string]any{
		"NameHeader":    d.T.T("help_name"),
		"UsageHeader":   d.T.T("help_usage"),
		"OptionsHeader": d.T.T("help_options"),
		"Name":          c.Name(),
		"Short":         c.Short,
		"Long":          c.Long,
		"Usage":         usage,
		"Flags":         flagUsages(c.Flags()),
	})
}

// flagUsages lists flags like pflag does, without pflag's English
// "(default ...)" suffix: defaults are stated in the localized help text.
func flagUsages(fs *pflag.FlagSet) string {
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
			metavar := strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
			if v := f.Annotations[metavarAnnotation]; len(v) > 0 {
				metavar = v[0]
			}
			name += " " + metavar
		}
		if w := runewidth.StringWidth(name); w > width {
			width = w
		}
		rows = append(rows, row{name, f.Usage})
	})
	var b bytes.Buffer
	for _, r := range rows {
		pad := strings.Repeat(" ", width-runewidth.StringWidth(r.name))
		fmt.Fprintf(&b, "  %s%s   %s\n", r.name, pad, r.usage)
	}
	return b.String()
}

// flagError turns pflag's English parse errors into localized usage
// failures. The offending flag is quoted as the user typed it.
func flagError(err error) error {
	msg := err.Error()
	data := map[string]any{"Detail": msg}
	switch {
	case strings.HasPrefix(msg, "unknown flag: "):
		return failure.Usagef("usage_unknown_flag", map[string]any{"Flag": strings.TrimPrefix(msg, "unknown flag: ")}).Wrap(err)
	case strings.HasPrefix(msg, "unknown shorthand flag: "):
		flag := strings.TrimPrefix(msg, "unknown shorthand flag: ")
		if i := strings.Index(flag, " in "); i > 0 {
			flag = strings.Trim(flag[:i], "'")
			flag = "-" + flag
		}
		return failure.Usagef("usage_unknown_flag", map[string]any{"Flag": flag}).Wrap(err)
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
			return failure.Usagef("usage_invalid_value", map[string]any{"Value": parts[1], "Flag": parts[3]}).Wrap(err)
		}
	}
	return failure.Usagef("usage_generic", data).Wrap(err)
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
