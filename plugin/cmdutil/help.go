package cmdutil

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
)

// Namespace is the plug-in's namespace: 'ibmcloud kp-token COMMAND'.
const Namespace = "kp-token"

// usageAnnotation holds a command's usage line as the CLI shows it
// ('ibmcloud kp-token get [...]'); Cobra's own Use is only the name.
const usageAnnotation = "kp-token/usage"

// metavar names a flag's value in help where the flag's own name, in
// capitals, would not (KEY, not APIKEY). One table: every command uses
// the same names.
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
	case "header":
		return "'NAME: VALUE'"
	case "jq":
		return "EXPR"
	case "limit-pages":
		return "N"
	}
	return strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// UsageLine is a command's usage line as the CLI shows it ("" for the
// root).
func UsageLine(c *cobra.Command) string { return c.Annotations[usageAnnotation] }

var helpTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("help").Parse(
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

// WriteHelp prints the help of c, a command of a tree built for help, in
// the layout of the CLI's own help (NAME, USAGE, OPTIONS), every word from
// the catalogs.
func WriteHelp(w io.Writer, c *cobra.Command, t *i18n.Translator) error {
	usage := UsageLine(c)
	if usage == "" {
		usage = t.T("root_usage")
	}
	// The root's commands, and a command's own ('instances use').
	commands := ""
	var names []string
	for _, s := range c.Commands() {
		if !s.Hidden {
			names = append(names, fmt.Sprintf("  %-14s %s", s.Name(), s.Short))
		}
	}
	if len(names) > 0 {
		commands = strings.Join(names, "\n") + "\n"
	}
	return helpTemplate().Execute(w, map[string]any{
		"NameHeader":     t.T("help_name"),
		"UsageHeader":    t.T("help_usage"),
		"CommandsHeader": t.T("help_commands"),
		"OptionsHeader":  t.T("help_options"),
		"Name":           c.Name(),
		"Short":          c.Short,
		"Long":           c.Long,
		"Usage":          usage,
		"Commands":       commands,
		"Flags":          flagUsages(c.Flags()),
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
			name += " " + metavar(f.Name)
		}
		if w := DisplayWidth(name); w > width {
			width = w
		}
		rows = append(rows, row{name, f.Usage})
	})
	var b bytes.Buffer
	for _, r := range rows {
		pad := strings.Repeat(" ", width-DisplayWidth(r.name))
		fmt.Fprintf(&b, "  %s%s   %s\n", r.name, pad, r.usage)
	}
	return b.String()
}
