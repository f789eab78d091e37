package root

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/factory"
)

// TestHelpValueNames checks the value name each option shows in help: the
// table's names where the flag's own name would mislead, the flag's name in
// capitals otherwise, none for a switch.
func TestHelpValueNames(t *testing.T) {
	tests := []struct {
		command string
		rows    []string
	}{
		{"get", []string{"--apikey KEY", "--account ID", "--instance-id ID", "--cr-token FILE", "--kp-endpoint URL",
			"--output FORMAT", "--cache-wait DURATION", "--min-validity DURATION", "--region REGION", "--file FILE", "--profile PROFILE"}},
		{"setup", []string{"--description TEXT", "--name NAME", "--role ROLE", "--instance INSTANCE"}},
		{"cache-delete", []string{"--apikey KEY", "--account ID", "--cr-token FILE"}},
		{"api", []string{"-X, --method METHOD", "--data DATA", "-H, --header 'NAME: VALUE'", "--jq EXPR", "--limit-pages N", "--kp-endpoint URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.command, func(t *testing.T) {
			b := help(t, tt.command)
			for _, row := range tt.rows {
				if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(row) + `\s{2,}\S`).Match(b.Bytes()) {
					t.Errorf("no option row %q in:\n%s", row, b.String())
				}
			}
			if regexp.MustCompile(`--no-cache [A-Z]`).Match(b.Bytes()) {
				t.Errorf("a switch shows a value name:\n%s", b.String())
			}
		})
	}
}

// help runs '<command> --help' on a tree built for a run, as a user does.
func help(t *testing.T, command string) *bytes.Buffer {
	t.Helper()
	var out bytes.Buffer
	f := factory.New(factory.Options{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Locale: "en_US",
		Getenv: func(string) string { return "" }})
	if err := Run(f, []string{command, "--help"}); err != nil {
		t.Fatal(err)
	}
	return &out
}
