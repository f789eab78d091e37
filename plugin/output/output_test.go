package output

import (
	"bytes"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/token"
)

func TestDuration(t *testing.T) {
	tests := []struct {
		locale string
		d      time.Duration
		want   string
	}{
		{"en_US", time.Hour, "1 hour"},
		{"en_US", 2*time.Hour + 5*time.Minute, "2 hours 5 minutes"},
		{"en_US", 59*time.Minute + 30*time.Second, "59 minutes 30 seconds"},
		{"en_US", time.Second, "1 second"},
		{"en_US", 0, "0 seconds"},
		{"en_US", -90 * time.Second, "1 minute 30 seconds"},
		{"en_US", 25*time.Hour + 3*time.Second, "1 day 1 hour"},
		{"en_US", time.Hour + 3*time.Second, "1 hour"},
		{"fr_FR", time.Hour, "1 heure"},
		{"fr_FR", 2*time.Hour + time.Minute, "2 heures 1 minute"},
		{"fr_FR", 0, "0 seconde"},
		{"fr_FR", 3 * time.Second, "3 secondes"},
		{"ko_KR", time.Hour + 5*time.Minute, "1시간 5분"},
		{"ko_KR", 2 * time.Second, "2초"},
	}
	for _, tt := range tests {
		t.Run(tt.locale+"/"+tt.d.String(), func(t *testing.T) {
			if got := Duration(i18n.New(tt.locale), tt.d); got != tt.want {
				t.Fatalf("Duration = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		out     string
		quiet   bool
		allowed []Format
		want    Format
		err     bool
	}{
		{"", false, JSONOnly, Human, false},
		{"", true, JSONOnly, Quiet, false},
		{"json", false, JSONOnly, JSON, false},
		{"JSON", true, TokenFormats, JSON, false},
		{"raw", true, TokenFormats, Raw, false},
		{"header", false, TokenFormats, Header, false},
		{"env", false, TokenFormats, Env, false},
		{"env", false, RenewFormats, Human, true},
		{"raw", false, JSONOnly, Human, true},
		{"yaml", false, TokenFormats, Human, true},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.out, tt.quiet, tt.allowed)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseFormat(%q,%v) = %v,%v", tt.out, tt.quiet, got, err)
		}
	}
}

func TestTokenForms(t *testing.T) {
	tok := token.Token{AccessToken: "eyJ.a.b", TokenType: "Bearer", Expiration: time.Now().Add(time.Hour).Unix()}
	full := Target{InstanceID: "0d2a5b8e-1111-4c4c-9d9d-123456789abc", Endpoint: "https://us-south.kms.cloud.ibm.com"}
	tests := []struct {
		name   string
		format Format
		shell  Shell
		target Target
		want   string
	}{
		{"quiet", Quiet, POSIX, full, "Bearer eyJ.a.b\n"},
		{"raw", Raw, POSIX, full, "eyJ.a.b\n"},
		{"header", Header, POSIX, full, "Authorization: Bearer eyJ.a.b\nbluemix-instance: 0d2a5b8e-1111-4c4c-9d9d-123456789abc\n"},
		{"header without instance", Header, POSIX, Target{}, "Authorization: Bearer eyJ.a.b\n"},
		{"env", Env, POSIX, full, "export KP_ACCESS_TOKEN='Bearer eyJ.a.b'\nexport KP_INSTANCE_ID='0d2a5b8e-1111-4c4c-9d9d-123456789abc'\nexport KP_ENDPOINT='https://us-south.kms.cloud.ibm.com'\n"},
		{"env powershell", Env, PowerShell, Target{Endpoint: "https://x/it's"}, "$env:KP_ACCESS_TOKEN = 'Bearer eyJ.a.b'\n$env:KP_ENDPOINT = 'https://x/it''s'\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			p := &Printer{Out: &out, Err: io.Discard, Translator: i18n.New("en_US"), Format: tt.format, Shell: tt.shell, Now: time.Now}
			if err := p.Token(tok, tt.target); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Fatalf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
}

// TestEnvFormEvaluates feeds the env form to a real sh and reads the values
// back: quotes, spaces, dollars and backticks must come back exactly.
func TestEnvFormEvaluates(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	tricky := `it's "quoted" $HOME ` + "`id`" + ` \ end'`
	tok := token.Token{AccessToken: "tok'en", TokenType: "Bearer", Expiration: time.Now().Add(time.Hour).Unix()}
	var out bytes.Buffer
	p := &Printer{Out: &out, Err: io.Discard, Translator: i18n.New("en_US"), Format: Env, Now: time.Now}
	if err := p.Token(tok, Target{InstanceID: "id", Endpoint: tricky}); err != nil {
		t.Fatal(err)
	}
	script := out.String() + `printf '%s\n%s\n%s' "$KP_ACCESS_TOKEN" "$KP_INSTANCE_ID" "$KP_ENDPOINT"`
	got, err := exec.Command(sh, "-c", script).Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "Bearer tok'en\nid\n" + tricky; string(got) != want {
		t.Fatalf("sh gave %q, want %q", got, want)
	}
}

// The ASCII shortcut finds exactly the runes isControl names, wherever
// they stand.
func TestHasControlEveryRune(t *testing.T) {
	for r := rune(0); r <= 0x10FFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		for _, s := range []string{string(r), "ab" + string(r) + "cd", "é" + string(r)} {
			if got, want := hasControl(s), strings.ContainsFunc(s, isControl); got != want {
				t.Fatalf("hasControl(%q) = %v, want %v", s, got, want)
			}
		}
	}
	if hasControl("\xff\xfe") {
		t.Fatal("invalid UTF-8 is not a control character")
	}
}

func TestSafeLine(t *testing.T) {
	tests := map[string]string{
		"plain":              "plain",
		"esc\x1b[31mred":     `esc\x1b[31mred`,
		"cr\rbel\a":          `cr\rbel\a`,
		"two\nlines":         `two\nlines`,
		"accents é 한국어 stay": "accents é 한국어 stay",
		"del\x7f":            `del\x7f`,
		"é then c1\u0085":    `é then c1\u0085`,
		"bidi\u202eevil":     `bidi\u202eevil`,
	}
	for in, want := range tests {
		if got := SafeLine(in); got != want {
			t.Errorf("SafeLine(%q) = %q, want %q", in, got, want)
		}
	}
	tok := token.Token{AccessToken: "a.b.c", TokenType: "Bearer\nInjected: yes"}
	var out bytes.Buffer
	p := &Printer{Out: &out, Err: io.Discard, Translator: i18n.New("en_US"), Format: Quiet, Now: time.Now}
	_ = p.Token(tok, Target{})
	if strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("a token_type with a newline added a line: %q", out.String())
	}
}

// powerShellSingleQuoted reads one `$env:NAME = '...'` line the way
// PowerShell's tokenizer reads a single-quoted string: any of the five
// quote characters (CharTraits.IsSingleQuote) closes it, and two in a row
// stand for the second. ok is false when anything follows the closing
// quote on the line: that would run as code.
func powerShellSingleQuoted(line, name string) (value string, ok bool) {
	isQuote := func(r rune) bool { return strings.ContainsRune("'\u2018\u2019\u201a\u201b", r) }
	rest, found := strings.CutPrefix(line, "$env:"+name+" = ")
	rs := []rune(strings.TrimSuffix(rest, "\n"))
	if !found || len(rs) == 0 || !isQuote(rs[0]) {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(rs); i++ {
		if isQuote(rs[i]) {
			if i+1 < len(rs) && isQuote(rs[i+1]) {
				i++
				b.WriteRune(rs[i])
				continue
			}
			return b.String(), i == len(rs)-1
		}
		b.WriteRune(rs[i])
	}
	return "", false // never closed
}

// TestPowerShellEnvQuotesEveryQuote: each quote character PowerShell
// honours is doubled, so the value comes back exactly and nothing after
// it runs. Values outside the shapes kp-token accepts are refused before
// they get here; this is the second line of defence.
func TestPowerShellEnvQuotesEveryQuote(t *testing.T) {
	values := []string{
		"it's",
		"x\u2019; Start-Process calc; \u2019",
		"x\u2018; calc; \u2018",
		"x\u201a; calc; \u201a",
		"x\u201b; calc; \u201b",
		"mixed '\u2019 and \u2018' end\u201b",
		"\u2019\u2019\u2019",
		"trailing\u2019",
	}
	for _, v := range values {
		tok := token.Token{AccessToken: "a.b.c", TokenType: "Bearer", Expiration: time.Now().Add(time.Hour).Unix()}
		var out bytes.Buffer
		p := &Printer{Out: &out, Err: io.Discard, Translator: i18n.New("en_US"), Format: Env, Shell: PowerShell, Now: time.Now}
		if err := p.Token(tok, Target{InstanceID: v, Endpoint: v}); err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(strings.TrimSuffix(out.String(), "\n"), "\n")
		if len(lines) != 3 {
			t.Fatalf("%q: want three lines, got %q", v, out.String())
		}
		for i, name := range []string{"KP_INSTANCE_ID", "KP_ENDPOINT"} {
			got, ok := powerShellSingleQuoted(lines[i+1], name)
			if !ok || got != v {
				t.Errorf("PowerShell reads %q as %q (ok %v), want %q and nothing after it", lines[i+1], got, ok, v)
			}
		}
	}
}
