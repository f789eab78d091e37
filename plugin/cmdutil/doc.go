// Package cmdutil is what every command shares and none owns: the
// standard streams, the localized help (layout, option rows, value
// names), pflag's parse errors as localized usage failures, the nearest
// command or option to a mistyped one, the checks every command makes on
// its arguments, and the rendering of a failure for the terminal.
//
// It holds no business logic: where a token comes from is in package
// credential, where it is used in package target.
package cmdutil
