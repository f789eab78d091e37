package cmd

import (
	"time"

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
		out.Cause += " " + t.T(f.Reason, localize(t, f.ReasonData))
	}
	if f.Note != "" {
		out.Cause += " " + t.N(f.Note, f.NoteCount, nil)
	}
	if f.Remedy != "" {
		out.Remedy = t.T(f.Remedy, localize(t, f.RemedyData))
	}
	out.Detail, out.Extra = f.Detail, f.Extra
	out.Cause, out.Remedy, out.Detail = output.SafeText(out.Cause), output.SafeText(out.Remedy), output.SafeLine(out.Detail)
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

// localize renders the failure.Msg values of data in t's language.
func localize(t *i18n.Translator, data map[string]any) map[string]any {
	var out map[string]any
	for k, v := range data {
		var s string
		switch x := v.(type) {
		case failure.Msg:
			s = t.T(string(x))
		case failure.Duration:
			s = output.Duration(t, time.Duration(x))
		default:
			continue
		}
		if out == nil {
			out = make(map[string]any, len(data))
			for k2, v2 := range data {
				out[k2] = v2
			}
		}
		out[k] = s
	}
	if out == nil {
		return data
	}
	return out
}
