package kptoken_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// Full runs in French and Korean: the CLI's locale setting, LANG, and the
// fallbacks.
func TestLocalizedRuns(t *testing.T) {
	type expect struct {
		label, expires, failed, cause, remedy, usage, table, valid string
	}
	langs := map[string]expect{
		"fr_FR": {"IAM token:  Bearer ", "Le jeton expire le", "ECHEC", "IAM n'a pas accepté la clé d'API (erreur BXNIM0415E)",
			"ibmcloud iam service-api-key-create", "Syntaxe incorrecte.", "Zone", "valide pendant 1 heure 1 minute"},
		"ko_KR": {"IAM token:  Bearer ", "토큰이", "실패", "IAM이 API 키를 수락하지 않았습니다(오류 BXNIM0415E)",
			"ibmcloud iam service-api-key-create", "잘못된 사용법입니다.", "필드", "1시간 1분 동안 유효"},
	}
	for locale, want := range langs {
		for _, how := range []string{"session", "LANG"} {
			t.Run(locale+"/"+how, func(t *testing.T) {
				h := newHost(t)
				env := map[string]string{}
				mod := func(s *iamtest.Session) {}
				if how == "session" {
					mod = func(s *iamtest.Session) { s.Locale = locale }
					env["LANG"] = "en_US.UTF-8" // the CLI's setting wins
				} else {
					env["LANG"] = locale + ".UTF-8"
				}
				h.LoginUser(61*time.Minute+30*time.Second, mod)

				r := h.RunEnv(env, "", "get")
				if r.Code != 0 || !strings.HasPrefix(r.Stdout, want.label) || !strings.Contains(r.Stderr, want.expires) {
					t.Fatalf("get:\n%s", r)
				}
				r = h.RunEnv(env, "Unknown_Key_0000000000000000000000000000000", "get", "--apikey", "-")
				if r.Code != 1 || !strings.HasPrefix(r.Stderr, want.failed+"\n") || !strings.Contains(r.Stderr, want.cause) || !strings.Contains(r.Stderr, want.remedy) {
					t.Fatalf("unknown key:\n%s", r)
				}
				r = h.RunEnv(env, "", "get", "--nope")
				if r.Code != 2 || !strings.Contains(r.Stderr, want.usage) {
					t.Fatalf("usage:\n%s", r)
				}
				r = h.RunEnv(env, "", "inspect")
				if r.Code != 0 || !strings.Contains(r.Stderr, want.table) || !strings.Contains(r.Stderr, want.valid) {
					t.Fatalf("inspect:\n%s", r)
				}
				// JSON keys and -q output are never localized.
				r = h.RunEnv(env, "", "get", "--output", "json")
				if r.Code != 0 || !strings.Contains(r.Stdout, `"iam_token": "Bearer `) {
					t.Fatalf("json:\n%s", r)
				}
				r = h.RunEnv(env, "", "get", "-q")
				if r.Code != 0 || !strings.HasPrefix(r.Stdout, "Bearer ") {
					t.Fatalf("quiet:\n%s", r)
				}
			})
		}
	}
}

func TestLocaleFallbacks(t *testing.T) {
	tests := []struct {
		name    string
		session string
		env     map[string]string
		want    string
	}{
		{"regional variant", "", map[string]string{"LC_ALL": "fr_CA.UTF-8"}, "ECHEC"},
		{"LC_ALL beats LANG", "", map[string]string{"LC_ALL": "ko_KR", "LANG": "fr_FR"}, "실패"},
		{"LC_MESSAGES", "", map[string]string{"LC_MESSAGES": "fr", "LANG": "en_US"}, "ECHEC"},
		{"odd locale", "", map[string]string{"LANG": "xx_YY.weird@foo"}, "FAILED"},
		{"C locale", "", map[string]string{"LANG": "C"}, "FAILED"},
		{"no locale at all", "", nil, "FAILED"},
		{"unsupported CLI locale falls to LANG", "sv_SE", map[string]string{"LANG": "fr_FR.UTF-8"}, "ECHEC"},
		{"garbage CLI locale", "###", nil, "FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t)
			h.Login(iamtest.Session{Locale: tt.session})
			r := h.RunEnv(tt.env, "", "get", "--apikey", "@"+filepath.Join(h.Home, "missing"))
			if r.Code != 1 || !strings.HasPrefix(r.Stderr, tt.want+"\n") || strings.Contains(r.Stderr, "panic") {
				t.Fatalf("want %s:\n%s", tt.want, r)
			}
		})
	}
}

// TestEveryLocale runs get, inspect, --help and a failure in each of the
// CLI's ten locales and checks the output is in that language.
func TestEveryLocale(t *testing.T) {
	for _, locale := range i18n.Locales() {
		t.Run(locale, func(t *testing.T) {
			tr := i18n.New(locale)
			if tr.Locale() != locale {
				t.Fatalf("no catalog for %s", locale)
			}
			h := newHost(t)
			h.LoginUser(time.Hour, func(s *iamtest.Session) { s.Locale = locale })
			r := h.Run("", "get")
			if r.Code != 0 || !strings.HasPrefix(r.Stdout, "IAM token:  Bearer ") {
				t.Fatalf("get:\n%s", r)
			}
			r = h.Run("", "inspect")
			if r.Code != 0 || !strings.Contains(r.Stderr, tr.T("inspect_col_field")) || !strings.Contains(r.Stderr, tr.T("inspect_not_verified")) {
				t.Fatalf("inspect:\n%s", r)
			}
			r = h.Run("", "get", "--help")
			if r.Code != 0 || !strings.Contains(r.Stdout, tr.T("help_usage")) || !strings.Contains(r.Stdout, tr.T("get_description")) ||
				!strings.Contains(r.Stdout, tr.T("flag_min_validity")) {
				t.Fatalf("help:\n%s", r)
			}
			r = h.Run("", "--help")
			if !strings.Contains(r.Stdout, tr.T("help_commands")) || !strings.Contains(r.Stdout, tr.T("verify_description")) {
				t.Fatalf("top-level help:\n%s", r)
			}
			missing := filepath.Join(h.Home, "missing")
			r = h.Run("", "get", "--apikey", "@"+missing)
			if r.Code != 1 || !strings.Contains(r.Stderr, tr.T("apikey_file_missing", map[string]any{"Path": missing})) {
				t.Fatalf("failure:\n%s", r)
			}
			r = h.Run("", "gett")
			if r.Code != 2 || !strings.Contains(r.Stderr, tr.T("usage_did_you_mean", map[string]any{"Suggestion": "get"})) {
				t.Fatalf("usage:\n%s", r)
			}
		})
	}
}

// TestStdoutIsTheSameInEveryLanguage: what 'get' prints on stdout is data,
// and inspect's report for people puts nothing there: stdout is
// byte for byte the same in every locale, whether the language comes from
// the CLI's setting or from LANG; the language lives on stderr. (The same
// holds in-process, with a fixed clock, for every form: package get.)
func TestStdoutIsTheSameInEveryLanguage(t *testing.T) {
	forms := [][]string{
		{"get"},
		{"get", "-q"},
		{"get", "--output", "raw"},
		{"get", "--output", "header", "--instance-id", cmdtest.InstanceID},
		{"get", "--output", "env", "--instance-id", cmdtest.InstanceID},
		{"get", "--output", "env", "--shell", "powershell", "--instance-id", cmdtest.InstanceID},
		// A report for people: in the user's language, so on stderr.
		{"inspect"},
	}
	run := func(locale, how string) (stdout []string, stderr string) {
		h := newHost(t)
		env := map[string]string{"LANG": "en_US.UTF-8"}
		mod := func(s *iamtest.Session) { s.Locale = locale }
		if how == "LANG" {
			env["LANG"] = locale + ".UTF-8"
			mod = func(s *iamtest.Session) {}
		}
		h.LoginUser(time.Hour, mod)
		for _, args := range forms {
			r := h.RunEnv(env, "", args...)
			if r.Code != 0 {
				t.Fatalf("%s (%s) %v:\n%s", locale, how, args, r)
			}
			stdout = append(stdout, r.Stdout)
			if len(args) == 1 && args[0] == "get" {
				stderr = r.Stderr
			}
		}
		return stdout, stderr
	}
	// Each locale has a session of its own, so its token differs: each is
	// compared with en_US on the token it was given.
	english := func(out []string) []string {
		token := cmdtest.BearerOf(t, out[1])
		var norm []string
		for _, o := range out {
			norm = append(norm, strings.ReplaceAll(o, token, "TOKEN"))
		}
		return norm
	}
	want, enErr := run("en_US", "session")
	want = english(want)
	for i, locale := range i18n.Locales()[1:] {
		how := []string{"session", "LANG"}[i%2]
		t.Run(locale+"/"+how, func(t *testing.T) {
			got, stderr := run(locale, how)
			got = english(got)
			for j := range forms {
				if got[j] != want[j] {
					t.Errorf("%v: stdout %q, en_US %q", forms[j], got[j], want[j])
				}
			}
			// The expiry line, as the locale's catalog begins it.
			expiry, _, _ := strings.Cut(i18n.New(locale).T("token_expires_at", map[string]any{"Time": "\x00"}), "\x00")
			if stderr == enErr || !strings.HasPrefix(stderr, expiry) {
				t.Errorf("stderr is not in %s: %q (want it to start with %q)", locale, stderr, expiry)
			}
		})
	}
}
