// Package version is 'kp-token version', which also works when the binary
// runs on its own, outside 'ibmcloud'.
package version

import (
	"fmt"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/output"
)

// VersionOptions are the inputs of 'kp-token version'.
type VersionOptions struct {
	IO              cmdutil.IOStreams
	Translator      *i18n.Translator
	Now             func() time.Time
	CLIQuiet        bool
	Version, Commit string

	Output cmdutil.OutputFlags
}

// NewCmdVersion builds 'kp-token version'; runF, when set, runs instead of
// the command.
func NewCmdVersion(f *cmdutil.Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: f.IO, Translator: f.Translator, Now: f.Now, CLIQuiet: f.Quiet, Version: f.Version, Commit: f.Commit}
	h := f.Help
	c := &cobra.Command{
		Use:         "version",
		Short:       h.T("version_description"),
		Annotations: h.Usage("version_usage"),
		Args:        cmdutil.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
	cmdutil.AddOutputFlags(c, h, &opts.Output, output.JSONOnly)
	c.Flags().Lookup("quiet").Usage = h.T("flag_version_quiet")
	return c
}

// versionRun prints the version, the commit and the Go version.
func versionRun(opts *VersionOptions) error {
	p, err := opts.Output.Printer(opts.IO, opts.Translator, opts.CLIQuiet, opts.Now)
	if err != nil {
		return err
	}
	commit := opts.Commit
	if commit == "" {
		commit = "unknown"
	}
	info := map[string]string{"version": opts.Version, "commit": commit, "go_version": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH}
	switch p.Format {
	case output.JSON:
		return cmdutil.WriteJSON(opts.IO.Out, info)
	case output.Quiet:
		_, err = fmt.Fprintln(opts.IO.Out, opts.Version)
	default:
		_, err = fmt.Fprintln(opts.IO.Out, line(opts.Version, commit, info["go_version"], info["platform"]))
	}
	return err
}

// line is the version line, the same in every language: it names a
// build (a git commit is "commit" in IBM's catalogs too), and is what
// a bug report quotes, so it is data rather than a message.
func line(version, commit, goVersion, platform string) string {
	return "kp-token " + version + " (commit " + commit + ", " + goVersion + ", " + platform + ")"
}
