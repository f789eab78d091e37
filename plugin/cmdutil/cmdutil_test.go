package cmdutil

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

func TestHTTPTimeout(t *testing.T) {
	tests := []struct {
		env     string
		session int
		want    time.Duration
		refused bool
	}{
		{"", 0, DefaultHTTPTimeout, false},
		{"", 12, 12 * time.Second, false},
		{"7", 12, 7 * time.Second, false},
		{" 86400 ", 0, 86400 * time.Second, false},
		{"86401", 12, 12 * time.Second, true},
		{"0", 0, DefaultHTTPTimeout, true},
		{"ten", 0, DefaultHTTPTimeout, true},
		{"99999999999999999999", 0, DefaultHTTPTimeout, true},
	}
	for _, tt := range tests {
		getenv := func(string) string { return tt.env }
		var ctx interface{ HTTPTimeout() int }
		if tt.session > 0 {
			ctx = timeoutOf(tt.session)
		}
		if got := HTTPTimeout(getenv, ctx); got != tt.want {
			t.Errorf("%q/%d: HTTPTimeout = %v, want %v", tt.env, tt.session, got, tt.want)
		}
		if err := CheckHTTPTimeout(getenv); (err != nil) != tt.refused {
			t.Errorf("%q: CheckHTTPTimeout = %v", tt.env, err)
		}
	}
}

type timeoutOf int

func (t timeoutOf) HTTPTimeout() int { return int(t) }

// TestHelpForARun: a tree built for a run holds no text, and reads no
// catalog; built for help it holds the text.
func TestHelpForARun(t *testing.T) {
	var run *Help
	if run.T("get_description") != "" || run.Paragraphs("get_long") != "" || run.Usage("get_usage") != nil {
		t.Fatal("a run's tree holds text")
	}
	h := NewHelp(i18n.New("en_US"))
	if !strings.HasPrefix(h.T("get_description"), "Get ") || !strings.Contains(h.Paragraphs("get_long", "output_forms"), "\n\n") ||
		!strings.HasPrefix(h.Usage("get_usage")[usageAnnotation], "ibmcloud kp-token get") {
		t.Fatal("the help tree holds no text")
	}
}

func TestChecks(t *testing.T) {
	if f, ok := failure.As(NoArgs(nil, []string{"secret"})); !ok || f.Cause != "usage_unexpected_arg" || strings.Contains(f.Error(), "secret") {
		t.Fatalf("NoArgs = %v", f)
	}
	for value, cause := range map[string]string{"": "usage_file_empty", " - ": "usage_file_dash", "t.json": ""} {
		c := &cobra.Command{Use: "get"}
		c.Flags().String("file", "", "")
		_ = c.Flags().Set("file", value)
		err := CheckFileFlag(c, nil)
		if f, ok := failure.As(err); (cause == "" && err != nil) || (cause != "" && (!ok || f.Cause != cause)) {
			t.Errorf("--file %q: %v", value, err)
		}
	}
}

func TestOutputFlagsAndNotices(t *testing.T) {
	var out, errb bytes.Buffer
	io := IOStreams{Out: &out, ErrOut: &errb}
	tr := i18n.New("en_US")
	tests := []struct {
		flags    OutputFlags
		cliQuiet bool
		format   output.Format
		quiet    bool
	}{
		{OutputFlags{Formats: output.JSONOnly}, false, output.Human, false},
		{OutputFlags{Quiet: true, Formats: output.JSONOnly}, false, output.Quiet, true},
		{OutputFlags{Output: "JSON", Quiet: true, Formats: output.JSONOnly}, false, output.JSON, true},
		{OutputFlags{Formats: output.JSONOnly}, true, output.Human, true},
	}
	for _, tt := range tests {
		p, err := tt.flags.Printer(io, tr, tt.cliQuiet, time.Now)
		if err != nil || p.Format != tt.format || p.Quiet != tt.quiet {
			t.Errorf("%+v: %+v %v", tt.flags, p, err)
		}
	}
	if _, err := (OutputFlags{Output: "env", Formats: output.JSONOnly}).Printer(io, tr, false, time.Now); !failure.IsUsage(err) {
		t.Errorf("a form the command does not offer: %v", err)
	}
	p, _ := OutputFlags{Quiet: true, Formats: output.JSONOnly}.Printer(io, tr, false, time.Now)
	n := Notices{P: p}
	n.Notice("cache_damaged", nil)
	n.Warn("cache_lock_timeout", map[string]any{"Duration": failure.Duration(90 * time.Second)})
	n.Alert("warn_apikey_visible", nil)
	if got := errb.String(); strings.Contains(got, "damaged") || !strings.Contains(got, "visible") {
		t.Fatalf("-q: %q", got)
	}
	p.Quiet = false
	n.Warn("cache_lock_timeout", map[string]any{"Duration": failure.Duration(90 * time.Second)})
	if !strings.Contains(errb.String(), "1 minute 30 seconds") {
		t.Fatalf("a duration in words: %q", errb.String())
	}
}

func TestDeliver(t *testing.T) {
	var out, errb bytes.Buffer
	tr := i18n.New("en_US")
	exp := time.Now().Add(time.Hour)
	tok := token.Token{AccessToken: "eyJ.eyJ.sig", TokenType: "Bearer", Expiration: exp.Unix()}
	file := filepath.Join(t.TempDir(), "t.json")
	p := &output.Printer{Out: &out, Err: &errb, Translator: tr, Format: output.Human, Now: time.Now}
	if err := Deliver(p, time.Now, tok, output.Target{}, file, "file_written"); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 || !strings.Contains(errb.String(), "The token was written to "+file) {
		t.Fatalf("human form with a file: stdout %q, stderr %q", out.String(), errb.String())
	}
	if st, err := os.Stat(file); err != nil || (st.Mode().Perm() != 0o600 && os.PathSeparator == '/') {
		t.Fatalf("file: %v %v", st, err)
	}
	p.Format = output.Quiet
	if err := Deliver(p, time.Now, tok, output.Target{}, file, "file_written"); err != nil || out.String() != "Bearer eyJ.eyJ.sig\n" {
		t.Fatalf("-q with a file: %q %v", out.String(), err)
	}
}
