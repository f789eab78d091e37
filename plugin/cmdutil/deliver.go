package cmdutil

import (
	"time"

	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

// Deliver prints t; with a file it writes t there first (0600, atomically)
// and confirms with the message confirmID. In human form the file is the
// result and stderr confirms it (no token on the screen); the other forms
// still print, so a script can write the file and use the header in one
// call.
func Deliver(p *output.Printer, now func() time.Time, t token.Token, target output.Target, file, confirmID string) error {
	if file == "" {
		return p.Token(t, target)
	}
	doc, err := t.JSON(now())
	if err != nil {
		return err
	}
	if err := token.WriteFile(file, doc); err != nil {
		return err
	}
	p.Notice(p.Translator.T(confirmID, map[string]any{"Path": file, "Expiry": p.Expiry(t.ExpiresAt())}))
	if p.Format == output.Human {
		return nil
	}
	return p.Token(t, target)
}
