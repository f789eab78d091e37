package kptoken

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/config_helpers"
	sdk "github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmd"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/httpclient"
	"github.com/kp-token/kp-token/plugin/token"
)

// newDeps is what the commands are given for a run in this process.
func (p *KPToken) newDeps(ctx sdk.PluginContext, locale string, secrets *failure.Secrets, out io.Writer) *cmd.Deps {
	return &cmd.Deps{
		IO:         cmd.IOStreams{In: p.Stdin, Out: out, ErrOut: p.Stderr},
		T:          i18n.New(locale),
		Context:    ctx,
		Getenv:     p.Getenv,
		Environ:    os.Environ,
		Now:        time.Now,
		HTTPClient: httpclient.New,
		Secrets:    secrets,
		Quiet:      quietEnv(p.Getenv("IBMCLOUD_QUIET")),
		Version:    Version,
		Commit:     Commit,
		Renewer: &token.ConfigSession{
			ConfigPath: config_helpers.ConfigFilePath(),
			LockPath:   filepath.Join(ctx.PluginDirectory(), "session.lock"),
			LockWait:   time.Minute,
			Exit:       p.Exit,
		},
	}
}

// quietEnv reads IBMCLOUD_QUIET as the CLI does: set and not false.
func quietEnv(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	return v != "" && v != "false" && v != "0"
}
