package cmd

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/output"
)

// VersionOptions are the inputs of 'kp-token version'.
type VersionOptions struct {
	outputOptions
}

// NewCmdVersion builds 'kp-token version', which also works when the
// binary runs on its own, outside 'ibmcloud'.
func NewCmdVersion(d *Deps) *cobra.Command {
	opts := &VersionOptions{}
	c := &cobra.Command{
		Use:         "version",
		Short:       "version_description",
		Annotations: annotate("version_usage"),
		Args:        noArgs,
		RunE:        func(*cobra.Command, []string) error { return RunVersion(d, opts) },
	}
	addOutputFlags(c, d, &opts.outputOptions, output.JSONOnly)
	c.Flags().Lookup("quiet").Usage = "flag_version_quiet"
	return c
}

// RunVersion prints the version, the commit and the Go version.
func RunVersion(d *Deps, opts *VersionOptions) error {
	opts.formats = output.JSONOnly
	p, err := opts.printer(d)
	if err != nil {
		return err
	}
	commit := d.Commit
	if commit == "" {
		commit = "unknown"
	}
	info := map[string]string{"version": d.Version, "commit": commit, "go_version": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH}
	switch p.Format {
	case output.JSON:
		return writeJSON(d, info)
	case output.Quiet:
		_, err = fmt.Fprintln(d.IO.Out, d.Version)
	default:
		_, err = fmt.Fprintln(d.IO.Out, d.T.T("version_line", map[string]any{
			"Version": d.Version, "Commit": commit, "Go": info["go_version"], "Platform": info["platform"]}))
	}
	return err
}
