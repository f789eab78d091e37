package cmdutil

import (
	"fmt"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/terminal"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
)

// FailureText is a failure in the user's language: the cause (with its
// reason and note), the remedy, and the untranslated detail line, each
// part empty when absent. Text that came from servers is made safe for the
// terminal.
type FailureText struct {
	Cause, Remedy, Detail, Extra string
}

// RenderFailure renders f through t.
func RenderFailure(t *i18n.Translator, f *failure.Failure) FailureText {
	var out FailureText
	out.Cause = t.T(f.Cause, localize(t, f.CauseData))
	if f.Reason != "" {
		out.Cause = i18n.JoinSentences(out.Cause, t.T(f.Reason, localize(t, f.ReasonData)))
	}
	if f.Note != "" {
		out.Cause = i18n.JoinSentences(out.Cause, t.N(f.Note, f.NoteCount, nil))
	}
	if f.Remedy != "" {
		out.Remedy = t.T(f.Remedy, localize(t, f.RemedyData))
	}
	// The catalog's texts may break lines; what fills them (a server's
	// message, a name, a value) is made one line by localize, and so is
	// each of the failure's lines (what a failed 'setup' undid) and table
	// rows (the instances that matched).
	out.Cause, out.Remedy = output.SafeText(out.Cause), output.SafeText(out.Remedy)
	out.Detail = output.SafeLine(f.Detail)
	if len(f.Lines) > 0 {
		lines := make([]string, len(f.Lines))
		for i, l := range f.Lines {
			lines[i] = output.SafeLine(t.T(l.ID, localize(t, l.Data)))
		}
		out.Extra = strings.Join(lines, "\n")
	}
	if f.Table != nil {
		header := make([]string, len(f.Table.Header))
		for i, id := range f.Table.Header {
			header[i] = t.T(id)
		}
		var b strings.Builder
		WriteTable(&b, append([][]string{header}, f.Table.Rows...))
		out.Extra = output.SafeText(strings.TrimSuffix(b.String(), "\n"))
	}
	return out
}

// Message is the whole text shown after FAILED.
func (ft FailureText) Message(t *i18n.Translator, usage bool) string {
	msg := ft.Cause
	if usage {
		msg = t.T("usage_incorrect") + "\n" + msg
	}
	if ft.Extra != "" {
		msg += "\n" + ft.Extra
	}
	if ft.Remedy != "" {
		msg += "\n" + ft.Remedy
	}
	if ft.Detail != "" {
		msg += "\n" + t.T("label_detail") + " " + ft.Detail
	}
	return msg
}

// PrintFailure shows a failure as the CLI does: FAILED (in the SDK's
// words) and the message, on stderr, with every secret the run has seen
// scrubbed.
func PrintFailure(io IOStreams, t *i18n.Translator, secrets *failure.Secrets, f *failure.Failure) {
	msg := RenderFailure(t, f).Message(t, f.Usage())
	if secrets != nil {
		msg = secrets.Scrub(msg)
	}
	terminal.NewUI(io.In, io.Out, io.ErrOut).Failed("%s", msg)
}

// localize renders the failure.Msg and failure.Service values of data in
// t's language and makes every text value one safe line: data often comes
// from servers, and a line break of theirs must not forge a line of the
// message.
func localize(t *i18n.Translator, data map[string]any) map[string]any {
	if len(data) == 0 {
		return data
	}
	out := make(map[string]any, len(data))
	for k, v := range data {
		switch x := v.(type) {
		case failure.Msg:
			v = t.T(string(x))
		case failure.Service:
			v = output.SafeLine(string(x))
			if m := x.Msg(); m != "" {
				v = t.T(string(m))
			}
		case failure.Name:
			v = output.SafeLine(string(x))
		case failure.Duration:
			v = output.Duration(t, time.Duration(x))
		case *failure.Failure:
			// A failure named inside a message (why a renewal failed):
			// its cause, in the same words as after FAILED.
			v = RenderFailure(t, x).Cause
		case error:
			v = output.SafeLine(x.Error())
		case string:
			v = output.SafeLine(x)
		}
		out[k] = v
	}
	return out
}

// Report writes a report for people (what verify found, what setup made,
// a token's claims): the SDK's OK unless quiet, then text. Both go to
// stderr, in the user's language, as 'gh auth status' writes its report:
// stdout is data, the same bytes in every language, and these commands'
// data is their --output json.
func Report(io IOStreams, quiet bool, text string) error {
	if !quiet {
		terminal.NewUI(io.In, io.ErrOut, io.ErrOut).Ok()
	}
	_, err := fmt.Fprint(io.ErrOut, text)
	return err
}
