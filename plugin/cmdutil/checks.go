package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/failure"
)

// NoArgs rejects positional arguments with a localized message.
func NoArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		// The argument is not echoed: a key pasted in the wrong place is a secret.
		return failure.Usagef("usage_unexpected_arg", nil)
	}
	return nil
}

// CheckFileFlag refuses --file "" (an unset variable, which would print
// the token into a CI log instead) and --file - (a file named '-' is never
// what was meant).
func CheckFileFlag(c *cobra.Command, _ []string) error {
	f := c.Flags().Lookup("file")
	if f == nil || !f.Changed {
		return nil
	}
	switch strings.TrimSpace(f.Value.String()) {
	case "":
		return failure.Usagef("usage_file_empty", nil)
	case "-":
		return failure.Usagef("usage_file_dash", nil)
	}
	return nil
}
