package root_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
)

func TestUsageConventions(t *testing.T) {
	h := cmdtest.New(t)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown command", []string{"gett"}, []string{"The command gett is unknown. Did you mean get?", "Run 'ibmcloud kp-token --help' to see the usage."}},
		{"unknown option", []string{"get", "--apikye", "x"}, []string{"The option --apikye is unknown. Did you mean --apikey?", "Run 'ibmcloud kp-token get --help'"}},
		{"a duration without its unit", []string{"get", "--min-validity", "10"}, []string{"The value 10 is not valid for --min-validity: give a duration with its unit, such as 5m, 90s or 1h."}},
		{"--file empty", []string{"get", "--file", ""}, []string{"empty file name"}},
		{"--file -", []string{"get", "--file", "-"}, []string{"does not take '-'"}},
		{"refresh --file empty", []string{"refresh", "--file", ""}, []string{"empty file name"}},
		{"inspect --file -", []string{"inspect", "--file", "-"}, []string{"does not take '-'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.Run("", tt.args...)
			if r.Code != 2 || r.Stdout != "" || strings.Contains(r.Stderr, "OPTIONS:") || strings.Count(r.Stderr, "\n") > 6 {
				t.Fatalf("want a short usage failure:\n%s", r)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Stderr, w) {
					t.Fatalf("want %q:\n%s", w, r)
				}
			}
		})
	}
	t.Run("a key in a mistyped option is not echoed", func(t *testing.T) {
		r := h.Run("", "get", "---apikey="+cmdtest.ServiceKey)
		if r.Code != 2 {
			t.Fatalf("got:\n%s", r)
		}
		cmdtest.AssertNoSecrets(t, "stderr", r.Stderr, cmdtest.ServiceKey)
	})
	t.Run("--file empty prints no token", func(t *testing.T) {
		h.LoginUser(time.Hour)
		if r := h.Run("", "get", "--file", ""); r.Stdout != "" || r.Code != 2 || h.IAM.Count() != 0 {
			t.Fatalf("got:\n%s", r)
		}
	})
}
