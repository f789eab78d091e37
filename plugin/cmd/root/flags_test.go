package root

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmd/factory"
	"github.com/kp-token/kp-token/plugin/cmdutil"
)

// usageFlag is an option named in a usage line: --name or -x.
var usageFlag = regexp.MustCompile(`(?:^|[\s\[(|])(--[a-z][a-z-]*|-[a-zA-Z])\b`)

// TestUsageLinesAgreeWithFlags: each command's usage line, in every
// catalog, names exactly the options the command takes (-h aside), so
// that help shows no option the command does not use and the usage line
// hides none it takes.
func TestUsageLinesAgreeWithFlags(t *testing.T) {
	for _, locale := range i18n.Locales() {
		t.Run(locale, func(t *testing.T) {
			f := factory.New(factory.Options{Stdin: strings.NewReader(""), Stdout: &strings.Builder{}, Stderr: &strings.Builder{},
				Locale: locale, Getenv: func(string) string { return "" }})
			f.Help = cmdutil.NewHelp(f.Translator)
			for _, c := range NewCmdRoot(f, "").Commands() {
				var inUsage []string
				for _, m := range usageFlag.FindAllStringSubmatch(cmdutil.UsageLine(c), -1) {
					if !slices.Contains(inUsage, m[1]) {
						inUsage = append(inUsage, m[1])
					}
				}
				var taken []string
				c.Flags().VisitAll(func(fl *pflag.Flag) {
					if fl.Name == "help" || fl.Hidden {
						return
					}
					taken = append(taken, "--"+fl.Name)
					if fl.Shorthand != "" {
						taken = append(taken, "-"+fl.Shorthand)
					}
				})
				sort.Strings(inUsage)
				sort.Strings(taken)
				if !slices.Equal(inUsage, taken) {
					t.Errorf("%s: the usage line names %v, the command takes %v", c.Name(), inUsage, taken)
				}
			}
		})
	}
}

// TestOnlyTheOptionsACommandUses: options that do nothing in a command are
// neither shown nor accepted there.
func TestOnlyTheOptionsACommandUses(t *testing.T) {
	absent := map[string][]string{
		"setup":        {"--cache-wait", "--min-validity", "--no-cache", "--cr-token", "--vpc", "--region", "--kp-endpoint"},
		"verify":       {"--cache-wait", "--min-validity", "--no-cache", "--file"},
		"cache-delete": {"--cache-wait", "--min-validity", "--no-cache", "--instance"},
		"refresh":      {"--apikey", "--cache-wait", "--no-cache"},
		"inspect":      {"--apikey", "--min-validity", "--quiet"},
		"version":      {"--apikey", "--min-validity"},
	}
	for command, flags := range absent {
		t.Run(command, func(t *testing.T) {
			b := help(t, command).String()
			for _, fl := range flags {
				if regexp.MustCompile(`(?m)^\s+(-\w, )?` + regexp.QuoteMeta(fl) + `\b`).MatchString(b) {
					t.Errorf("%s --help lists %s:\n%s", command, fl, b)
				}
				var out strings.Builder
				f := factory.New(factory.Options{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Locale: "en_US",
					Getenv: func(string) string { return "" }})
				err := Run(f, []string{command, fl, "1m"})
				if err == nil || !strings.Contains(err.Error(), "usage_unknown_flag") {
					t.Errorf("%s %s: %v", command, fl, err)
				}
			}
		})
	}
}
