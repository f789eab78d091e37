package kptoken

import (
	"os"
	"strings"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/config_helpers"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/failure"
)

// RecoverConfigPanic turns the SDK's panic on a CLI configuration it cannot
// read or write ("configuration error: ...", raised by plugin.Start before
// Run, or by the session's lazy reads during it) into FAILED with the path
// and the cause, exit 1. main defers it around plugin.Start, the one place
// that sees both; any other panic goes on.
func RecoverConfigPanic() {
	r := recover()
	if r == nil {
		return
	}
	msg, ok := r.(string)
	if !ok || !strings.HasPrefix(msg, "configuration error: ") {
		panic(r)
	}
	os.Exit(reportConfigPanic(New(), msg))
}

func reportConfigPanic(p *KPToken, msg string) int {
	tr := i18n.New(envLocale(p.Getenv))
	path := map[string]any{"Path": config_helpers.ConfigFilePath()}
	f := failure.New("config_unreadable", path).WithRemedy("config_remedy", path).
		WithDetail(strings.TrimPrefix(msg, "configuration error: "))
	cmdutil.PrintFailure(cmdutil.IOStreams{In: p.Stdin, Out: p.Stdout, ErrOut: p.Stderr}, tr, nil, f)
	return failure.ExitError
}
