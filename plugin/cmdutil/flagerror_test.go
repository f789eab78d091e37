package cmdutil

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/failure"
)

// testCommand has options of every kind the commands use.
func testCommand() *cobra.Command {
	c := &cobra.Command{Use: "get", RunE: func(*cobra.Command, []string) error { return nil }}
	c.Flags().String("apikey", "", "")
	c.Flags().Duration("min-validity", 5*time.Minute, "")
	c.Flags().String("output", "", "")
	c.Flags().BoolP("quiet", "q", false, "")
	c.Flags().StringP("name", "n", "", "")
	return c
}

// TestFlagErrorsAreLocalized parses real command lines: each of pflag's
// errors becomes a usage failure with its own message, the option as
// typed, and no value.
func TestFlagErrorsAreLocalized(t *testing.T) {
	tests := []struct {
		args      string
		cause     string
		flag      string
		value     string
		suggested string
	}{
		{"--nope", "usage_unknown_flag", "--nope", "", "--name"},
		{"--zzzzzz", "usage_unknown_flag", "--zzzzzz", "", ""},
		{"--apikye=SECRETKEY", "usage_unknown_flag", "--apikye", "", "--apikey"},
		{"-x", "usage_unknown_flag", "-x", "", ""},
		{"-qx", "usage_unknown_flag", "-x", "", ""},
		{"--apikey", "usage_flag_needs_value", "--apikey", "", ""},
		{"-n", "usage_flag_needs_value", "-n", "", ""},
		{"--min-validity x", "usage_invalid_duration", "--min-validity", "x", ""},
		{"--quiet=maybe", "usage_invalid_value", "-q, --quiet", "maybe", ""},
		{"---apikey=SECRETKEY", "usage_unknown_flag", "---apikey", "", "--apikey"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			c := testCommand()
			err := c.Flags().Parse(strings.Fields(tt.args))
			if err == nil {
				t.Fatal("pflag accepted the line")
			}
			f, ok := failure.As(FlagError(c, err))
			if !ok || f.Cause != tt.cause || f.ExitCode != failure.ExitUsage || !f.Usage() {
				t.Fatalf("%v -> %+v", err, f)
			}
			if f.CauseData["Flag"] != tt.flag {
				t.Errorf("flag %q, want %q", f.CauseData["Flag"], tt.flag)
			}
			if tt.value != "" && f.CauseData["Value"] != tt.value {
				t.Errorf("value %q, want %q", f.CauseData["Value"], tt.value)
			}
			if got, _ := f.ReasonData["Suggestion"].(string); got != tt.suggested {
				t.Errorf("suggestion %q, want %q", got, tt.suggested)
			}
			if strings.Contains(fmt.Sprint(f.CauseData, f.ReasonData), "SECRETKEY") {
				t.Errorf("the value is echoed: %v", f.CauseData)
			}
		})
	}
	// Anything else keeps only what precedes a value.
	f, _ := failure.As(FlagError(testCommand(), fmt.Errorf("odd: --apikey=SECRETKEY")))
	if f.Cause != "usage_generic" || strings.Contains(fmt.Sprint(f.CauseData), "SECRETKEY") {
		t.Fatalf("other error -> %+v", f)
	}
}

func TestDidYouMean(t *testing.T) {
	root := &cobra.Command{Use: "kp-token"}
	for _, name := range []string{"get", "refresh", "inspect", "exec", "verify", "setup", "cache-delete", "version"} {
		root.AddCommand(&cobra.Command{Use: name})
	}
	for typed, want := range map[string]string{"gett": "get", "verfy": "verify", "exce": "exec", "refesh": "refresh", "zzzzzz": ""} {
		if got := NearestCommand(root, typed); got != want {
			t.Errorf("NearestCommand(%q) = %q, want %q", typed, got, want)
		}
	}
	get := testCommand()
	for typed, want := range map[string]string{"--apikye": "--apikey", "--min-valid": "--min-validity", "--outptu": "--output", "--qqqqqqqq": ""} {
		if got := NearestFlag(get, typed); got != want {
			t.Errorf("NearestFlag(%q) = %q, want %q", typed, got, want)
		}
	}
}

func TestDisplayWidth(t *testing.T) {
	for s, want := range map[string]int{"KEY": 3, "CLÉ": 3, "키": 2, "アクセス": 8, "访问令牌": 8, "": 0} {
		if got := DisplayWidth(s); got != want {
			t.Errorf("DisplayWidth(%q) = %d, want %d", s, got, want)
		}
	}
}
