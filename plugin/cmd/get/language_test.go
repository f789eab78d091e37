package get_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// TestStdoutIsTheSameInEveryLanguage: what 'get' prints on stdout is data.
// For the same token and clock, every form is byte for byte the same in
// the ten locales, whether the language comes from the CLI's setting or
// from LANG; the default form is exactly the line of 'ibmcloud iam
// oauth-tokens', and the language lives on stderr (the expiry).
func TestStdoutIsTheSameInEveryLanguage(t *testing.T) {
	h := cmdtest.New(t)
	now := time.Now()
	h.Now = func() time.Time { return now }
	access, refresh := h.LoginUser(time.Hour)
	login := func(locale string) {
		h.Login(iamtest.Session{AccessToken: access, RefreshToken: refresh, Region: "us-south",
			Account: iamtest.User.Account, Locale: locale})
	}
	forms := [][]string{
		{"get"},
		{"get", "-q"},
		{"get", "--output", "raw"},
		{"get", "--output", "json", "--instance-id", cmdtest.InstanceID},
		{"get", "--output", "header", "--instance-id", cmdtest.InstanceID},
		{"get", "--output", "env", "--instance-id", cmdtest.InstanceID},
		{"get", "--output", "env", "--shell", "powershell", "--instance-id", cmdtest.InstanceID},
	}
	want := map[string]string{}
	var enExpiry string
	// en_US and half the locales come from LANG, then the other half from
	// the CLI's setting (which, once written, wins over LANG).
	var byLANG, bySession []string
	for i, locale := range i18n.Locales() {
		if i%2 == 0 {
			byLANG = append(byLANG, locale)
		} else {
			bySession = append(bySession, locale)
		}
	}
	for _, locale := range append(byLANG, bySession...) {
		env := map[string]string{"LANG": locale + ".UTF-8"}
		if !slices.Contains(byLANG, locale) {
			env["LANG"] = "en_US.UTF-8"
			login(locale)
		}
		for _, args := range forms {
			form := strings.Join(args[1:], " ")
			r := h.RunEnv(env, "", args...)
			if r.Code != 0 {
				t.Fatalf("%s %s:\n%s", locale, form, r)
			}
			if locale == i18n.DefaultLocale {
				want[form] = r.Stdout
			} else if r.Stdout != want[form] {
				t.Errorf("%s, get %s: stdout differs from en_US\n%q\n%q", locale, form, r.Stdout, want[form])
			}
			if form != "" {
				continue
			}
			if r.Stdout != "IAM token:  Bearer "+access+"\n" {
				t.Errorf("%s: the default form is %q, not the line of 'ibmcloud iam oauth-tokens'", locale, r.Stdout)
			}
			// The expiry, on stderr, is in the locale's words.
			expiry, _, _ := strings.Cut(i18n.New(locale).T("token_expires_at", map[string]any{"Time": "\x00"}), "\x00")
			if !strings.HasPrefix(r.Stderr, expiry) || (locale != i18n.DefaultLocale && r.Stderr == enExpiry) {
				t.Errorf("%s: stderr %q is not in the locale's words (%q...)", locale, r.Stderr, expiry)
			}
			if locale == i18n.DefaultLocale {
				enExpiry = r.Stderr
			}
		}
	}
	if h.IAM.Count() != 0 {
		t.Fatalf("the session's token was renewed (%d IAM requests): the runs did not share one token", h.IAM.Count())
	}
}
