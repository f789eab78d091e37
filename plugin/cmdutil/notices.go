package cmdutil

import "github.com/kp-token/kp-token/plugin/output"

// Notices tell the user, through the command's printer and in its
// language, what the resolvers report as message IDs: -q and
// IBMCLOUD_QUIET hide notices and warnings, never alerts.
type Notices struct{ P *output.Printer }

func (n Notices) Notice(id string, data map[string]any) { n.P.Notice(n.text(id, data)) }
func (n Notices) Warn(id string, data map[string]any)   { n.P.Warn(n.text(id, data)) }
func (n Notices) Alert(id string, data map[string]any)  { n.P.Alert(n.text(id, data)) }

func (n Notices) text(id string, data map[string]any) string {
	if data == nil {
		return n.P.Translator.T(id)
	}
	return n.P.Translator.T(id, localize(n.P.Translator, data))
}
