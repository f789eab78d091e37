package cmdutil

import (
	"strings"

	"github.com/kp-token/kp-token/i18n"
)

// Help renders the texts of the command tree (descriptions, usage lines,
// option help) when the tree is built for help or metadata. A run builds
// the tree with none, a nil *Help: every text is empty and no catalog is
// read. Either way Cobra's fields hold text, never a message ID.
type Help struct{ t *i18n.Translator }

// NewHelp renders texts with t.
func NewHelp(t *i18n.Translator) *Help { return &Help{t: t} }

// T is the text of message id, "" for a run.
func (h *Help) T(id string, data ...map[string]any) string {
	if h == nil {
		return ""
	}
	return h.t.T(id, data...)
}

// Paragraphs is a text made of several messages, one paragraph each.
func (h *Help) Paragraphs(ids ...string) string {
	if h == nil {
		return ""
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = h.t.T(id)
	}
	return strings.Join(parts, "\n\n")
}

// Usage is the annotation that holds a command's usage line as the CLI
// shows it ('ibmcloud kp-token get [...]'); Cobra's own Use is only the
// name. A command with several forms gives a message for each: one line
// each. nil for a run.
func (h *Help) Usage(ids ...string) map[string]string {
	if h == nil {
		return nil
	}
	lines := make([]string, len(ids))
	for i, id := range ids {
		lines[i] = h.t.T(id)
	}
	return map[string]string{usageAnnotation: strings.Join(lines, "\n  ")}
}
