package cmd

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmdutil"
)

// TestHelpValueNames checks the value name each option shows in help: the
// table's names where the flag's own name would mislead, the flag's name in
// capitals otherwise, none for a switch.
func TestHelpValueNames(t *testing.T) {
	d := &Deps{T: i18n.New("en_US"), Getenv: func(string) string { return "" }}
	tests := []struct {
		command string
		rows    []string
	}{
		{"get", []string{"--apikey KEY", "--account ID", "--instance-id ID", "--cr-token FILE", "--kp-endpoint URL",
			"--output FORMAT", "--cache-wait DURATION", "--min-validity DURATION", "--region REGION", "--file FILE", "--profile PROFILE"}},
		{"setup", []string{"--description TEXT", "--name NAME", "--role ROLE", "--instance INSTANCE"}},
		{"cache-delete", []string{"--apikey KEY", "--account ID", "--cr-token FILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.command, func(t *testing.T) {
			root := NewRootFor(d, tt.command)
			c, _, err := root.Find([]string{tt.command})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := cmdutil.WriteHelp(&b, c, d.T); err != nil {
				t.Fatal(err)
			}
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
