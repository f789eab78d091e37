package kptoken

import (
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/terminal"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/trace"
	sdki18n "github.com/IBM-Cloud/ibm-cloud-cli-sdk/i18n"
	sdk "github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/endpoint"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/kp"
)

// applySettings makes every process-wide setting a run needs, in this one
// place; nothing else in kp-token writes the SDK's globals or the
// process's environment. It returns what to do when the run ends.
//
//   - The SDK's own words (FAILED, OK) in the run's language: plugin.Start
//     set them from the session's locale only.
//   - Terminal colours as the CLI's session asks (ibmcloud config --color).
//   - IAM_ENDPOINT normalized: the SDK's session renewal reads it as it is,
//     so it gets the value kp-token's own IAM calls use.
//   - The SDK's trace logger (IBMCLOUD_TRACE, or the session's setting),
//     with every secret the run meets masked.
//   - http.DefaultClient: the SDK renews the session
//     (PluginContext.RefreshIAMToken) through its REST client, which takes
//     it; it gets the same timeout and trace transport as kp-token's own
//     IAM calls (client).
//   - keyprotect-go-client's own retries off (kp.NoClientRetries): the
//     client kp-token gives it retries already.
func applySettings(ctx sdk.PluginContext, getenv func(string) string, locale string, secrets *failure.Secrets, client *http.Client) (done func()) {
	if i18n.Resolve(ctx.Locale()) != locale {
		setSDKLocale(locale)
	}
	terminal.UserAskedForColors = ctx.ColorEnabled()
	terminal.InitColorSupport()
	if v := getenv("IAM_ENDPOINT"); v != "" {
		if u, err := endpoint.Check(strings.TrimSpace(v), "IAM_ENDPOINT"); err == nil {
			_ = os.Setenv("IAM_ENDPOINT", u)
		}
	}
	traceSetting := ctx.Trace()
	trace.Logger = scrubTrace(trace.NewLogger(traceSetting), secrets)
	http.DefaultClient = client
	kp.NoClientRetries()
	return func() { closeTrace(traceSetting) }
}

// envCandidates are the POSIX locale variables in precedence order.
func envCandidates(getenv func(string) string) []string {
	return []string{getenv("LC_ALL"), getenv("LC_MESSAGES"), getenv("LANG")}
}

func envLocale(getenv func(string) string) string {
	return i18n.Resolve(envCandidates(getenv)...)
}

// setSDKLocale makes the SDK's own words (FAILED, OK) match ours. plugin.Start
// sets them from the session's locale only; when ours came from LANG the SDK
// would otherwise stay English. The SDK's catalog for the language is
// loaded when one of its words is first used: loading it cost a cached
// 'get -q' 8% of its run (a Japanese LANG, measured), and most runs print
// none of them.
func setSDKLocale(locale string) {
	english := sdki18n.T
	var once sync.Once
	t := english
	sdki18n.T = func(id string, args ...any) string {
		once.Do(func() { t = sdkWords(locale, english) })
		return t(id, args...)
	}
}

// sdkWords is the SDK's translation for locale. A panic in the SDK's
// loader must not take the command down: English is an acceptable
// fallback.
func sdkWords(locale string, fallback sdki18n.TranslateFunc) (t sdki18n.TranslateFunc) {
	defer func() {
		if recover() != nil {
			t = fallback
		}
	}()
	return sdki18n.MustTfunc(locale)
}
