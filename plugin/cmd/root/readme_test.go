package root

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmd/factory"
	"github.com/kp-token/kp-token/plugin/output"
)

// The README is for users, and these tests hold it to the code: its
// command reference and the tree list the same commands, every command
// line it shows uses commands and options that exist, it names the Go
// version go.mod requires, its table of languages shows what each catalog
// really prints, and its troubleshooting quotes en_US messages.

func readmeText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// section is the text of the README's "## name" section.
func section(t *testing.T, readme, name string) string {
	t.Helper()
	i := strings.Index(readme, "\n## "+name+"\n")
	if i < 0 {
		t.Fatalf("the README has no section %q", name)
	}
	s := readme[i+len(name)+5:]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	return s
}

// fullTree is the whole command tree, as help builds it.
func fullTree() *cobra.Command {
	f := factory.New(factory.Options{Stdin: strings.NewReader(""), Stdout: &strings.Builder{}, Stderr: &strings.Builder{},
		Locale: "en_US", Getenv: func(string) string { return "" }})
	return NewCmdRoot(f, "")
}

// commandLine is one use of kp-token the README shows: the command's
// path and the options it names.
type commandLine struct {
	text  string
	path  []string
	flags []string
}

var quoted = regexp.MustCompile(`'[^']*'|"[^"]*"`)

// parseCommandLine reads what follows 'ibmcloud kp-token ' up to where the
// shell would end kp-token's arguments: a pipe, a redirection, a
// semicolon, a closing parenthesis, a comment, or '--' (exec's COMMAND).
// Quoted words go first, so a jq filter's '|' ends nothing. Brackets and
// parentheses of a usage line group alternatives ('(NAME | --clear)').
func parseCommandLine(s string) commandLine {
	s = strings.ReplaceAll(s, `\|`, "|") // a pipe in a Markdown table
	rest := quoted.ReplaceAllString(s, "Q")
	depth, end := 0, len(rest)
scan:
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case c == '[' || c == '(':
			depth++
		case c == ']' || c == ')':
			if depth == 0 {
				end = i
				break scan
			}
			depth--
		case depth == 0 && (c == '|' || c == ';' || c == '>' || c == '#' || c == '&'):
			end = i
			break scan
		case depth == 0 && strings.HasPrefix(rest[i:], "-- ") && (i == 0 || rest[i-1] == ' '):
			end = i
			break scan
		}
	}
	cl := commandLine{text: s}
	pathDone := false
	for _, w := range strings.FieldsFunc(rest[:end], func(r rune) bool { return r == ' ' || r == '[' || r == ']' || r == '(' || r == ')' || r == '|' }) {
		switch {
		case strings.HasPrefix(w, "-") && w != "-" && w != "--": // standard input; the end of options
			name, _, _ := strings.Cut(w, "=")
			cl.flags = append(cl.flags, strings.TrimRight(name, ".,"))
			pathDone = true
		case !pathDone && len(cl.path) < 2 && regexp.MustCompile(`^[a-z][a-z-]*$`).MatchString(w):
			cl.path = append(cl.path, w)
		default:
			pathDone = true
		}
	}
	return cl
}

// resolve finds the command a path names in the tree: its first word
// names a command, a second word a command of that command or an argument.
func resolve(root *cobra.Command, path []string) *cobra.Command {
	var found *cobra.Command
	for _, c := range root.Commands() {
		if len(path) > 0 && c.Name() == path[0] {
			found = c
		}
	}
	if found != nil && len(path) > 1 {
		for _, c := range found.Commands() {
			if c.Name() == path[1] {
				return c
			}
		}
	}
	return found
}

func hasFlag(c *cobra.Command, flag string) bool {
	if name, ok := strings.CutPrefix(flag, "--"); ok {
		return c.Flags().Lookup(name) != nil
	}
	short := strings.TrimPrefix(flag, "-")
	return len(short) == 1 && c.Flags().ShorthandLookup(short) != nil
}

// TestReadmeCommands checks the README's command reference against the
// tree: a heading for every command and only for commands that exist, and
// in every command line the README shows (reference, examples, tables),
// commands and options that exist.
func TestReadmeCommands(t *testing.T) {
	readme := readmeText(t)
	root := fullTree()
	headings := regexp.MustCompile("(?m)^### `ibmcloud kp-token ([^`]+)`$").FindAllStringSubmatch(section(t, readme, "Commands"), -1)
	documented := map[string]bool{}
	for _, h := range headings {
		cl := parseCommandLine(h[1])
		name := strings.Join(cl.path, " ")
		documented[name] = true
		if name == "help" {
			// Not a Cobra command: Run reads 'help COMMAND' itself.
			if got := helpCommand([]string{"help", "get"}); !slices.Equal(got, []string{"get", "--help"}) {
				t.Errorf("the README documents 'help', but 'help get' runs %q", got)
			}
			continue
		}
		c := resolve(root, cl.path)
		if c == nil || c.CommandPath() != "kp-token "+name {
			t.Errorf("the README documents %q, which is not a command", h[1])
			continue
		}
		for _, f := range cl.flags {
			if !hasFlag(c, f) {
				t.Errorf("the README's heading %q names %s, which %s does not have", h[1], f, name)
			}
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden {
				continue
			}
			name := strings.TrimPrefix(sub.CommandPath(), "kp-token ")
			if !documented[name] {
				t.Errorf("the command %q has no heading in the README's command reference (### `ibmcloud kp-token %s`)", name, name)
			}
			walk(sub)
		}
	}
	walk(root)
	if !documented["help"] {
		t.Error("'ibmcloud kp-token help' has no heading in the README's command reference")
	}

	// Every command line anywhere in the README.
	uses := regexp.MustCompile("ibmcloud kp-token ([^`\n]*)").FindAllStringSubmatch(readme, -1)
	if len(uses) < 50 {
		t.Fatalf("found only %d command lines in the README", len(uses))
	}
	for _, u := range uses {
		cl := parseCommandLine(u[1])
		if len(cl.path) == 0 || cl.path[0] == "help" {
			continue // 'ibmcloud kp-token COMMAND --help', 'help [COMMAND]'
		}
		c := resolve(root, cl.path)
		if c == nil {
			t.Errorf("the README shows %q: no such command", "ibmcloud kp-token "+u[1])
			continue
		}
		for _, f := range cl.flags {
			if !hasFlag(c, f) {
				t.Errorf("the README shows %q: %s has no option %s", "ibmcloud kp-token "+u[1], strings.TrimPrefix(c.CommandPath(), "kp-token "), f)
			}
		}
	}
}

// TestReadmeParsesCommandLines holds the parser the README test relies
// on, so that a README line it misreads cannot pass unchecked.
func TestReadmeParsesCommandLines(t *testing.T) {
	tests := []struct {
		line  string
		path  []string
		flags []string
	}{
		{"get --apikey @kp-automation.json --output header", []string{"get"}, []string{"--apikey", "--output"}},
		{"instances use (NAME | CRN | GUID | --clear) [--region REGION] [-q]", []string{"instances", "use"}, []string{"--clear", "--region", "-q"}},
		{`api /api/v2/keys --paginate -q --jq '.resources[] | "\(.id)  \(.name)"'`, []string{"api"}, []string{"--paginate", "-q", "--jq"}},
		{`exec -q -- sh -c 'echo "$KP_INSTANCE_ID" --nope'`, []string{"exec"}, []string{"-q"}},
		{`get \| awk '{print $4}'`, []string{"get"}, nil},
		{"get -q)` gives `Bearer eyJ...`", []string{"get"}, []string{"-q"}},
		{"get --output header > headers # --nope", []string{"get"}, []string{"--output"}},
		{"setup --rotate --name NAME", []string{"setup"}, []string{"--rotate", "--name"}},
		{"COMMAND --help", nil, []string{"--help"}},
		{"inspect [TOKEN | -] [--file FILE]", []string{"inspect"}, []string{"--file"}},
		{"exec [-q] [--keep-env] [--] COMMAND [ARGS...]", []string{"exec"}, []string{"-q", "--keep-env"}},
	}
	for _, tt := range tests {
		cl := parseCommandLine(tt.line)
		if !slices.Equal(cl.path, tt.path) || !slices.Equal(cl.flags, tt.flags) {
			t.Errorf("parseCommandLine(%q) = %q %q, want %q %q", tt.line, cl.path, cl.flags, tt.path, tt.flags)
		}
	}
}

// TestReadmeGoVersion checks that the README names the Go version go.mod
// requires, and no other.
func TestReadmeGoVersion(t *testing.T) {
	mod, err := os.ReadFile("../../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	want := string(m[1])
	stated := regexp.MustCompile(`\bGo (\d+\.\d+(?:\.\d+)?)\b`).FindAllStringSubmatch(readmeText(t), -1)
	if len(stated) == 0 {
		t.Fatalf("the README does not say which Go version to install (go.mod: %s)", want)
	}
	for _, s := range stated {
		if s[1] != want {
			t.Errorf("the README says Go %s, go.mod requires %s", s[1], want)
		}
	}
}

// TestReadmeLanguages checks the README's line per language against the
// catalogs: the same stdout in every locale, and the expiry each one
// really prints for a token with an hour left.
func TestReadmeLanguages(t *testing.T) {
	local := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = local })
	now := time.Date(2026, 12, 2, 16, 0, 0, 0, time.UTC)

	rows := regexp.MustCompile("(?m)^\\| ([a-zA-Z_]+) \\| `([^`]+)` \\| `([^`]+)` \\|$").FindAllStringSubmatch(section(t, readmeText(t), "Languages"), -1)
	var locales []string
	for _, r := range rows {
		locale, stdout, stderr := r[1], r[2], r[3]
		locales = append(locales, locale)
		if want := output.TokenLabel + "  Bearer eyJ..."; stdout != want {
			t.Errorf("%s: the README shows %q on stdout, get prints %q", locale, stdout, want)
		}
		p := output.Printer{Translator: i18n.New(locale), Now: func() time.Time { return now }}
		if want := p.Expiry(now.Add(time.Hour)); stderr != want {
			t.Errorf("%s: the README shows %q on stderr, the catalog prints %q", locale, stderr, want)
		}
	}
	if !slices.Equal(locales, i18n.Locales()) && !slices.Equal(sortedCopy(locales), sortedCopy(i18n.Locales())) {
		t.Errorf("the README's languages are %q, the catalogs' %q", locales, i18n.Locales())
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// TestReadmeTroubleshooting checks that each failure the README's
// troubleshooting quotes is an en_US message (or a cause and its reason,
// as kp-token prints them on one line), with its placeholders filled.
func TestReadmeTroubleshooting(t *testing.T) {
	raw, err := i18n.Catalog(i18n.DefaultLocale)
	if err != nil {
		t.Fatal(err)
	}
	var catalog map[string]any
	if err := json.Unmarshal(raw, &catalog); err != nil {
		t.Fatal(err)
	}
	placeholder := regexp.MustCompile(`\{\{[^}]*\}\}`)
	var alternatives []string
	for _, v := range catalog {
		text, ok := v.(string)
		if !ok || strings.TrimSpace(placeholder.ReplaceAllString(text, "")) == "" {
			continue // plurals, and messages that are only data
		}
		parts := placeholder.Split(text, -1)
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		alternatives = append(alternatives, strings.Join(parts, ".+?"))
	}
	one := "(?:" + strings.Join(alternatives, "|") + ")"
	message := regexp.MustCompile("^" + one + "(?: " + one + ")?$")

	items := regexp.MustCompile("(?m)^\\d+\\. `([^`]+)`").FindAllStringSubmatch(section(t, readmeText(t), "Troubleshooting"), -1)
	if len(items) != 10 {
		t.Errorf("the README's troubleshooting lists %d failures, not ten", len(items))
	}
	for _, it := range items {
		if !message.MatchString(it[1]) {
			t.Errorf("the README's troubleshooting quotes %q, which no en_US message says", it[1])
		}
	}
}
