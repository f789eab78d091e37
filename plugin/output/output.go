// Package output renders results in the forms kp-token offers (see
// Format): data on stdout, everything else on stderr.
package output

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/terminal"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/token"
)

// Format is how results are printed. The forms, one place for all; what
// goes to stdout is data, the same bytes in every language (the language
// lives on stderr and in help):
//
//	human   'IAM token:  Bearer ...' on stdout (the line of 'ibmcloud iam
//	        oauth-tokens', never translated), the expiry and notices on stderr
//	quiet   -q: 'Bearer ...' alone, the Authorization header value
//	raw     the bare access token alone (for 'Authorization: Bearer $T')
//	json    one JSON object
//	header  'Authorization: Bearer ...' and 'bluemix-instance: ID' lines
//	env     shell lines exporting KP_ACCESS_TOKEN, KP_INSTANCE_ID, KP_ENDPOINT
type Format int

const (
	Human Format = iota
	Quiet
	JSON
	Raw
	Header
	Env
)

// formats are the --output values, in Format order from JSON. A table, not
// a map: a map literal is built at every start-up, and most runs never
// look a name up.
var formats = [...]string{JSON: "json", Raw: "raw", Header: "header", Env: "env"}

// Name is the --output value of f ("" for human and quiet).
func (f Format) Name() string {
	if f >= 0 && int(f) < len(formats) {
		return formats[f]
	}
	return ""
}

func formatNamed(name string) (Format, bool) {
	for f, n := range formats {
		if n != "" && n == name {
			return Format(f), true
		}
	}
	return 0, false
}

// Token forms: what 'get' accepts.
var (
	TokenFormats = []Format{JSON, Raw, Header, Env}
	// RenewFormats are what 'refresh' accepts.
	RenewFormats = []Format{JSON, Raw}
	// JSONOnly is for commands whose data has no other machine form.
	JSONOnly = []Format{JSON}
)

// ParseFormat reads --output and -q against the forms a command offers.
// An --output form wins over -q: a script that asked for JSON wants JSON.
func ParseFormat(outputFlag string, quiet bool, allowed []Format) (Format, error) {
	v := strings.ToLower(strings.TrimSpace(outputFlag))
	if v == "" {
		if quiet {
			return Quiet, nil
		}
		return Human, nil
	}
	f, ok := formatNamed(v)
	if ok && slices.Contains(allowed, f) {
		return f, nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = a.Name()
	}
	return Human, failure.Usagef("output_unsupported", map[string]any{"Value": outputFlag, "Formats": strings.Join(names, ", ")})
}

// Shell is the syntax of --output env.
type Shell int

const (
	POSIX Shell = iota
	PowerShell
)

// ParseShell reads --shell.
func ParseShell(v string) (Shell, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "sh", "bash", "zsh", "posix":
		return POSIX, nil
	case "powershell", "pwsh":
		return PowerShell, nil
	}
	return POSIX, failure.Usagef("usage_invalid_value", map[string]any{"Value": v, "Flag": "--shell"})
}

// Target is where the token is used: a Key Protect instance and endpoint,
// each empty when unknown.
type Target struct {
	InstanceID   string
	Endpoint     string
	InstanceName string
	Region       string
}

// Printer writes results: data to Out, everything else to Err.
type Printer struct {
	Out, Err   io.Writer
	Translator *i18n.Translator
	Format     Format
	// Quiet hides notices on stderr: -q, or the CLI's quiet mode
	// (IBMCLOUD_QUIET), which never changes what goes to stdout.
	Quiet bool
	Shell Shell
	Now   func() time.Time
}

// TokenLabel starts the human form's line. It is the label 'ibmcloud iam
// oauth-tokens' prints and the Key Protect page shows in every language
// ("IAM token:  Bearer eyJ..."), so it is data, not a message: a script
// written for that command (awk '{print $4}') finds the token in every
// locale.
const TokenLabel = "IAM token:"

// Token prints a token in the chosen form. In human form the token line is
// the line of 'ibmcloud iam oauth-tokens' on stdout and its expiry goes to
// stderr, so that scripts written for that command keep working.
func (p *Printer) Token(t token.Token, kp Target) error {
	// A token is printed on one line and nothing it carries may add one.
	bearer := SafeLine(t.Bearer())
	switch p.Format {
	case Quiet:
		_, err := fmt.Fprintln(p.Out, bearer)
		return err
	case Raw:
		_, err := fmt.Fprintln(p.Out, SafeLine(t.AccessToken))
		return err
	case JSON:
		extra := kp.fields()
		// A trusted profile's token says so, with the profile's ID and name.
		if c, err := token.Decode(t.AccessToken); err == nil && c.Info.SubjectType == "Profile" {
			extra["profile_id"], extra["profile_name"] = c.Info.Subject, c.Info.Fullname
		}
		doc, err := t.JSONWith(p.Now(), extra)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(p.Out, string(doc))
		return err
	case Header:
		var b strings.Builder
		b.WriteString("Authorization: " + bearer + "\n")
		if kp.InstanceID != "" {
			b.WriteString("bluemix-instance: " + SafeLine(kp.InstanceID) + "\n")
		}
		_, err := io.WriteString(p.Out, b.String())
		return err
	case Env:
		var b strings.Builder
		b.WriteString(p.export("KP_ACCESS_TOKEN", bearer))
		if kp.InstanceID != "" {
			b.WriteString(p.export("KP_INSTANCE_ID", kp.InstanceID))
		}
		if kp.Endpoint != "" {
			b.WriteString(p.export("KP_ENDPOINT", kp.Endpoint))
		}
		_, err := io.WriteString(p.Out, b.String())
		return err
	default:
		if _, err := fmt.Fprintf(p.Out, "%s  %s\n", TokenLabel, bearer); err != nil {
			return err
		}
		p.Info(p.Expiry(t.ExpiresAt()))
		return nil
	}
}

func (k Target) fields() map[string]any {
	m := map[string]any{}
	for name, v := range map[string]string{"instance_id": k.InstanceID, "kp_endpoint": k.Endpoint,
		"instance_name": k.InstanceName, "instance_region": k.Region} {
		if v != "" {
			m[name] = v
		}
	}
	return m
}

// export is one line that sets an environment variable, single-quoted so
// that eval gives back the exact value.
func (p *Printer) export(name, value string) string {
	if p.Shell == PowerShell {
		return "$env:" + name + " = '" + powerShellQuote(value) + "'\n"
	}
	return "export " + name + "=" + ShellQuote(value) + "\n"
}

// powerShellQuotes are the characters that close a single-quoted
// PowerShell string: the ASCII quote and the four typographic ones its
// tokenizer also takes for it (CharTraits.IsSingleQuote).
const powerShellQuotes = "'\u2018\u2019\u201a\u201b"

// powerShellQuote doubles each of powerShellQuotes in s: inside single
// quotes, two in a row stand for one.
func powerShellQuote(s string) string {
	if !strings.ContainsAny(s, powerShellQuotes) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		// Byte by byte where the text is not UTF-8: the value stays as is.
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteString(s[i : i+n])
		if r != utf8.RuneError && strings.ContainsRune(powerShellQuotes, r) {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// ShellQuote quotes s for a POSIX shell: in single quotes, where nothing
// is special, with each quote inside closed, escaped and reopened.
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// SafeLine makes server-supplied text safe for one terminal line: control
// characters (ESC, CR, LF, BEL...) are shown escaped, never sent.
func SafeLine(s string) string {
	if !hasControl(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// SafeText is SafeLine for text that may keep its line breaks.
func SafeText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = SafeLine(l)
	}
	return strings.Join(lines, "\n")
}

// hasControl is strings.ContainsFunc(s, isControl), byte by byte while s
// is ASCII: every token printed goes through it, and a token is ASCII.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			return strings.ContainsFunc(s[i:], isControl)
		case c < 0x20 || c == 0x7f:
			return true
		}
	}
	return false
}

func isControl(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r)
}

// Expiry says when a token expires, in local time and in words.
func (p *Printer) Expiry(at time.Time) string {
	left := at.Sub(p.Now())
	data := map[string]any{"Time": LocalTime(at), "Duration": Duration(p.Translator, left)}
	if left <= 0 {
		data["Duration"] = Duration(p.Translator, -left)
		return p.Translator.T("token_expired_at", data)
	}
	return p.Translator.T("token_expires_at", data)
}

// Info prints a message on stderr in human form only, unless quiet.
func (p *Printer) Info(msg string) {
	if p.Format != Human || p.Quiet {
		return
	}
	fmt.Fprintln(p.Err, msg)
}

// Notice prints a message on stderr unless quiet: with --output json
// stderr is still free for people.
func (p *Printer) Notice(msg string) {
	if p.Quiet {
		return
	}
	fmt.Fprintln(p.Err, msg)
}

// Warn is Notice in the CLI's warning colour.
func (p *Printer) Warn(msg string) { p.Notice(terminal.WarningColor(msg)) }

// Alert is a warning that -q does not hide: a script author still needs to
// hear that the key is visible in process lists.
func (p *Printer) Alert(msg string) { fmt.Fprintln(p.Err, terminal.WarningColor(msg)) }

// LocalTime formats t in the local time zone with its abbreviation.
func LocalTime(t time.Time) string {
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

// Duration says d in words, with the two largest units: "1 hour 5 minutes",
// "45 seconds", in the translator's language with correct plurals.
func Duration(tr *i18n.Translator, d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Second)
	units := []struct {
		id  string
		len time.Duration
	}{
		{"unit_days", 24 * time.Hour},
		{"unit_hours", time.Hour},
		{"unit_minutes", time.Minute},
		{"unit_seconds", time.Second},
	}
	var parts []string
	for _, u := range units {
		n := int(d / u.len)
		if n == 0 {
			if len(parts) > 0 {
				break // "1 hour 5 seconds" reads oddly; stop at a gap
			}
			continue
		}
		d -= time.Duration(n) * u.len
		parts = append(parts, tr.N(u.id, n, nil))
		if len(parts) == 2 {
			break
		}
	}
	if len(parts) == 0 {
		return tr.N("unit_seconds", 0, nil)
	}
	return strings.Join(parts, " ")
}

// ShellWord is s as one word of a POSIX shell command line: as it is when
// it holds nothing a shell treats specially, else quoted (ShellQuote).
func ShellWord(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%_+=:,./-", r))
	}) < 0 {
		return s
	}
	return ShellQuote(s)
}
