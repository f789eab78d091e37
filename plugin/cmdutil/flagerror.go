package cmdutil

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
)

// FlagError turns pflag's parse errors into localized usage failures: one
// line, the nearest option when one is close, and (from the caller) where
// the usage is. The offending option is quoted as the user typed it, never
// with a value: a mistyped '---apikey=KEY' must not echo the key. It is
// the root's FlagErrorFunc.
func FlagError(c *cobra.Command, err error) error {
	var (
		notExist *pflag.NotExistError
		syntax   *pflag.InvalidSyntaxError
		needs    *pflag.ValueRequiredError
		invalid  *pflag.InvalidValueError
	)
	switch {
	case errors.As(err, &notExist):
		flag := "--" + notExist.GetSpecifiedName()
		if notExist.GetSpecifiedShortnames() != "" {
			flag = "-" + notExist.GetSpecifiedName()
		}
		return unknownFlag(c, flag, err)
	case errors.As(err, &syntax):
		flag, _, _ := strings.Cut(syntax.GetSpecifiedFlag(), "=")
		return unknownFlag(c, output.SafeLine(flag), err)
	case errors.As(err, &needs):
		flag := "--" + needs.GetSpecifiedName()
		if needs.GetSpecifiedShortnames() != "" {
			flag = "-" + needs.GetSpecifiedName()
		}
		return failure.Usagef("usage_flag_needs_value", map[string]any{"Flag": flag}).Wrap(err)
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		id := "usage_invalid_value"
		if f.Value.Type() == "duration" {
			id = "usage_invalid_duration"
		}
		name := "--" + f.Name
		if f.Shorthand != "" && f.ShorthandDeprecated == "" {
			name = "-" + f.Shorthand + ", " + name
		}
		return failure.Usagef(id, map[string]any{"Value": output.SafeLine(invalid.GetValue()), "Flag": name}).Wrap(err)
	}
	// Any other parse error: pflag's text may hold a value, so only what
	// precedes one is shown.
	msg, _, _ := strings.Cut(err.Error(), "=")
	return failure.Usagef("usage_generic", map[string]any{"Detail": output.SafeLine(msg)}).Wrap(err)
}

func unknownFlag(c *cobra.Command, flag string, err error) error {
	f := failure.Usagef("usage_unknown_flag", map[string]any{"Flag": flag}).Wrap(err)
	if s := NearestFlag(c, flag); s != "" {
		f.WithReason("usage_did_you_mean", map[string]any{"Suggestion": s})
	}
	return f
}
