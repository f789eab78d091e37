// Package output renders results in the three forms kp-token offers:
// human (localized labels, messages on stderr), quiet (the bare header value)
// and JSON (one object, nothing else on stdout).
package output

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/terminal"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/token"
)

// Format is how results are printed.
type Format int

const (
	Human Format = iota
	Quiet
	JSON
)

// ParseFormat reads --output and -q. JSON wins over quiet: a script that
// asked for JSON wants JSON.
func ParseFormat(outputFlag string, quiet bool) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(outputFlag)) {
	case "":
		if quiet {
			return Quiet, nil
		}
		return Human, nil
	case "json":
		return JSON, nil
	default:
		return Human, failure.Usagef("output_unsupported", map[string]any{"Value": outputFlag})
	}
}

// Printer writes results: data to Out, everything else to Err.
type Printer struct {
	Out, Err io.Writer
	T        *i18n.Translator
	Format   Format
	Now      func() time.Time
}

// Token prints a token in the chosen form. In human form the token line has
// the shape of 'ibmcloud iam oauth-tokens' on stdout and its expiry goes to
// stderr, so that scripts written for that command keep working.
func (p *Printer) Token(t token.Token) error {
	switch p.Format {
	case Quiet:
		_, err := fmt.Fprintln(p.Out, t.Bearer())
		return err
	case JSON:
		doc, err := t.JSON(p.Now())
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(p.Out, string(doc))
		return err
	default:
		if _, err := fmt.Fprintf(p.Out, "%s  %s\n", p.T.T("label_iam_token"), t.Bearer()); err != nil {
			return err
		}
		p.Info(p.Expiry(t.ExpiresAt()))
		return nil
	}
}

// Expiry says when a token expires, in local time and in words.
func (p *Printer) Expiry(at time.Time) string {
	left := at.Sub(p.Now())
	data := map[string]any{"Time": LocalTime(at), "Duration": Duration(p.T, left)}
	if left <= 0 {
		data["Duration"] = Duration(p.T, -left)
		return p.T.T("token_expired_at", data)
	}
	return p.T.T("token_expires_at", data)
}

// Info prints a message on stderr unless the output is quiet or JSON.
func (p *Printer) Info(msg string) {
	if p.Format != Human {
		return
	}
	fmt.Fprintln(p.Err, msg)
}

// Notice prints a message on stderr unless the output is quiet: with
// --output json stderr is still free for people.
func (p *Printer) Notice(msg string) {
	if p.Format == Quiet {
		return
	}
	fmt.Fprintln(p.Err, msg)
}

// Warn is Notice in the CLI's warning colour.
func (p *Printer) Warn(msg string) { p.Notice(terminal.WarningColor(msg)) }

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
