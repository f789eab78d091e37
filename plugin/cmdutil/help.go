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

// FormatsAnnotation lists the --output values, the {{.Formats}} of its help.
const FormatsAnnotation = "kp-token/formats"

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
	}
	return strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// The command tree holds message IDs, not text: Short, Long (IDs separated
// by spaces, rendered as paragraphs), the usage annotation and flag usages
// are translated only when help or metadata is printed. A run that prints
// no message never loads a catalog.

// ShortText is a command's description in the translator's language.
func ShortText(c *cobra.Command, t *i18n.Translator) string { return t.T(c.Short) }

// UsageText is a command's usage line in the translator's language.
func UsageText(c *cobra.Command, t *i18n.Translator) string {
	if id := c.Annotations[usageAnnotation]; id != "" {
		return t.T(id)
	}
	return ""
}

// FlagText is a flag's help in the translator's language.
func FlagText(f *pflag.Flag, t *i18n.Translator) string {
	var data map[string]any
	if v := f.Annotations[FormatsAnnotation]; len(v) > 0 {
		data = map[string]any{"Formats": v[0]}
	}
	return t.T(f.Usage, data)
}

// Usage is the annotation that holds a command's usage line.
func Usage(id string) map[string]string { return map[string]string{usageAnnotation: id} }

// Paragraphs is a Long made of several messages.
func Paragraphs(ids ...string) string { return strings.Join(ids, " ") }

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

// WriteHelp prints a command's help in the layout of the CLI's own help
// (NAME, USAGE, OPTIONS), every word from the catalogs.
func WriteHelp(w io.Writer, c *cobra.Command, t *i18n.Translator) error {
	usage := UsageText(c, t)
	commands := ""
	if usage == "" {
		usage = t.T("root_usage")
		var names []string
		for _, s := range c.Commands() {
			if !s.Hidden {
				names = append(names, fmt.Sprintf("  %-14s %s", s.Name(), ShortText(s, t)))
			}
		}
		commands = strings.Join(names, "\n") + "\n"
	}
	return helpTemplate().Execute(w, map[string]any{
		"NameHeader":     t.T("help_name"),
		"UsageHeader":    t.T("help_usage"),
		"CommandsHeader": t.T("help_commands"),
		"OptionsHeader":  t.T("help_options"),
		"Name":           c.Name(),
		"Short":          ShortText(c, t),
		"Long":           longText(c, t),
		"Usage":          usage,
		"Commands":       commands,
		"Flags":          flagUsages(c.Flags(), t),
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
		if w := DisplayWidth(name); w > width {
			width = w
		}
		rows = append(rows, row{name, FlagText(f, t)})
	})
	var b bytes.Buffer
	for _, r := range rows {
		pad := strings.Repeat(" ", width-DisplayWidth(r.name))
		fmt.Fprintf(&b, "  %s%s   %s\n", r.name, pad, r.usage)
	}
	return b.String()
}
