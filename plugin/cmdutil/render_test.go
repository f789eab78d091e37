package cmdutil

import (
	"strings"
	"testing"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/failure"
)

// TestRenderFailureEscapesServerText: what fills a message (a server's
// message, an instance name) cannot break its line, and Extra (the
// instances that matched, what a failed 'setup' undid) keeps its lines but
// no other control character: a hostile name cannot rewrite "Not undone"
// into "Undone" with a carriage return or clear the screen.
func TestRenderFailureEscapesServerText(t *testing.T) {
	tr := i18n.New("en_US")
	f := failure.New("rc_failed", map[string]any{"Status": 500, "URL": "https://rc.example", "Message": "busy\nOK\x1b[2J"}).
		WithRemedy("rc_failed_remedy", nil)
	f.Extra = "Undone: a\nNot undone: b\rUndone:     b\x1b]0;title\x07"
	ft := RenderFailure(tr, f)
	if strings.ContainsAny(ft.Cause, "\n\r\x1b") || !strings.Contains(ft.Cause, `busy\nOK\x1b[2J`) {
		t.Errorf("cause %q: the server's message broke out of its line", ft.Cause)
	}
	if want := `Undone: a` + "\n" + `Not undone: b\rUndone:     b\x1b]0;title\a`; ft.Extra != want {
		t.Errorf("extra %q, want %q", ft.Extra, want)
	}
	msg := ft.Message(tr, false)
	if strings.ContainsAny(msg, "\r\x1b\a") {
		t.Errorf("message holds a raw control character: %q", msg)
	}
}
