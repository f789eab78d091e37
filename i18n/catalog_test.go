package i18n

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// loadRaw reads a catalog as go-i18n's flat format: ID -> text, or ID ->
// plural forms.
func loadRaw(t *testing.T, locale string) map[string]any {
	t.Helper()
	b, err := Catalog(locale)
	if err != nil {
		t.Fatalf("catalog %s: %v", locale, err)
	}
	if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		t.Errorf("catalog %s starts with a UTF-8 BOM", locale)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("catalog %s does not parse: %v", locale, err)
	}
	return m
}

var placeholderRe = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func placeholders(v any) []string {
	set := map[string]bool{}
	var texts []string
	switch x := v.(type) {
	case string:
		texts = []string{x}
	case map[string]any:
		for _, f := range x {
			s, _ := f.(string)
			texts = append(texts, s)
		}
	}
	for _, s := range texts {
		for _, m := range placeholderRe.FindAllStringSubmatch(s, -1) {
			set[m[1]] = true
		}
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestCatalogsMatchEnglish(t *testing.T) {
	base := loadRaw(t, DefaultLocale)
	if len(Locales()) < 3 {
		t.Fatalf("expected at least en_US, fr_FR and ko_KR, got %v", Locales())
	}
	for _, locale := range Locales()[1:] {
		t.Run(locale, func(t *testing.T) {
			cat := loadRaw(t, locale)
			for id, en := range base {
				tr, ok := cat[id]
				if !ok {
					t.Errorf("%s lacks message %q", locale, id)
					continue
				}
				if got, want := placeholders(tr), placeholders(en); strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s %q has placeholders %v, en_US has %v", locale, id, got, want)
				}
				if _, plural := en.(map[string]any); plural {
					forms, ok := tr.(map[string]any)
					if !ok || forms["other"] == nil {
						t.Errorf("%s %q must have plural forms with at least 'other'", locale, id)
					}
				} else if s, _ := tr.(string); strings.TrimSpace(s) == "" {
					t.Errorf("%s %q is empty", locale, id)
				}
			}
			for id := range cat {
				if _, ok := base[id]; !ok {
					t.Errorf("%s has stale message %q that en_US does not have", locale, id)
				}
			}
		})
	}
}

// TestPlaceholdersCheckCanFail guards the guard: a catalog with a renamed
// placeholder must be told apart.
func TestPlaceholdersCheckCanFail(t *testing.T) {
	if strings.Join(placeholders("{{.Path}} x"), ",") == strings.Join(placeholders("{{.Pth}} x"), ",") {
		t.Fatal("placeholder comparison cannot see a renamed placeholder")
	}
}

// jsonFields are string literals in the code that look like message IDs but
// are JSON field names or protocol values.
var jsonFields = map[string]bool{
	"access_token": true, "refresh_token": true, "token_type": true, "expires_in": true,
	"client_id": true, "iam_token": true, "not_supported": true, "grant_type": true,
	"session_id": true, "sub_type": true, "iam_id": true, "response_type": true,
	"instance_id": true, "kp_endpoint": true, "instance_name": true, "instance_region": true, "go_version": true, "profile_id": true, "profile_name": true,
	"iam_endpoint": true, "apikey_sha256": true, "stored_at": true, "pending_reclamation": true,
}

var idLike = regexp.MustCompile(`^[a-z]+(_[a-z0-9]+)+$`)

// TestEveryMessageIsUsedAndEveryUseExists scans the plug-in's source: every
// ID-like string literal must be in en_US, and every en_US message must be
// used somewhere, so catalogs carry no dead text.
func TestEveryMessageIsUsedAndEveryUseExists(t *testing.T) {
	base := loadRaw(t, DefaultLocale)
	used := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(filepath.Join("..", "plugin"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		// Test servers and maintainer tools speak to developers, not users.
		if p := filepath.ToSlash(path); strings.Contains(p, "/iamtest/") || strings.Contains(p, "/tools/") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !idLike.MatchString(s) || jsonFields[s] {
				return true
			}
			used[s] = true
			if _, ok := base[s]; !ok {
				t.Errorf("%s: message %q is not in all.en_US.json", fset.Position(lit.Pos()), s)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for id := range base {
		if !used[id] {
			t.Errorf("en_US message %q is not used by the code", id)
		}
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		candidates []string
		want       string
	}{
		{[]string{"fr_FR"}, "fr_FR"},
		{[]string{"", "fr_FR.UTF-8"}, "fr_FR"},
		{[]string{"", "", "", "ko_KR"}, "ko_KR"},
		{[]string{"fr_CA"}, "fr_FR"},
		{[]string{"fr"}, "fr_FR"},
		{[]string{"fr-BE"}, "fr_FR"},
		{[]string{"ko_KR.eucKR"}, "ko_KR"},
		{[]string{"en_GB.UTF-8"}, "en_US"},
		{[]string{"C.UTF-8", "fr_FR"}, "en_US"},
		{[]string{"POSIX"}, "en_US"},
		{[]string{"xx_YY.weird@foo", "ko"}, "ko_KR"},
		{[]string{"!!!", "@", ".", "_"}, "en_US"},
		{[]string{"fr_FR@euro"}, "fr_FR"},
		{nil, "en_US"},
	}
	for _, tt := range tests {
		if got := Resolve(tt.candidates...); got != tt.want {
			t.Errorf("Resolve(%q) = %q, want %q", tt.candidates, got, tt.want)
		}
	}
}

func TestNewFallsBackWithoutPanicking(t *testing.T) {
	for _, l := range []string{"", "xx_YY", "sv_SE", "../etc/passwd", "fr_FR\x00"} {
		tr := New(l)
		if tr.Locale() != DefaultLocale {
			t.Errorf("New(%q).Locale() = %q, want en_US", l, tr.Locale())
		}
		if got := tr.T("help_usage"); got != "USAGE:" {
			t.Errorf("New(%q).T(help_usage) = %q", l, got)
		}
	}
}

func TestTranslate(t *testing.T) {
	fr := New("fr_FR")
	if got := fr.T("tokenfile_missing", map[string]any{"Path": "t.json"}); got != "Le fichier de jeton t.json n'existe pas." {
		t.Errorf("fr T = %q", got)
	}
	if got := New("ko_KR").N("unit_hours", 2, nil); got != "2시간" {
		t.Errorf("ko N = %q", got)
	}
	if got := New("en_US").N("unit_hours", 1, nil); got != "1 hour" {
		t.Errorf("en N = %q", got)
	}
	if got := New("en_US").T("no_such_message"); got != "no_such_message" {
		t.Errorf("missing message = %q, want its ID", got)
	}
}

// The shortcut for exact catalog names agrees with language matching.
func TestExactLocaleNames(t *testing.T) {
	for _, l := range Locales() {
		if got := matchTag(l); got != l {
			t.Errorf("matchTag(%q) = %q: the exact-name shortcut would disagree", l, got)
		}
	}
}

// TestLocaleMapping: the CLI's locales and the neighbours a system may
// report map as the CLI maps them.
func TestLocaleMapping(t *testing.T) {
	tests := map[string]string{
		"de_DE": "de_DE", "de_AT": "de_DE", "de_CH.UTF-8": "de_DE", "de": "de_DE",
		"es_ES": "es_ES", "es_MX": "es_ES", "es": "es_ES",
		"it_IT": "it_IT", "it_CH": "it_IT",
		"ja_JP": "ja_JP", "ja": "ja_JP", "ja_JP.eucJP": "ja_JP",
		"pt_BR": "pt_BR", "pt": "pt_BR", "pt_PT": "pt_BR",
		"zh_Hans": "zh_Hans", "zh-Hans": "zh_Hans", "zh_CN": "zh_Hans", "zh_SG": "zh_Hans", "zh_CN.GB18030": "zh_Hans",
		"zh_Hant": "zh_Hant", "zh-Hant": "zh_Hant", "zh_TW": "zh_Hant", "zh_HK": "zh_Hant", "zh_TW.Big5": "zh_Hant",
		"fr_FR": "fr_FR", "fr_BE": "fr_FR", "ko_KR": "ko_KR", "ko": "ko_KR",
		"en_US": "en_US", "en_GB": "en_US", "sv_SE": "en_US", "nl_NL": "en_US", "ru": "en_US",
	}
	for in, want := range tests {
		if got := Resolve(in); got != want {
			t.Errorf("Resolve(%q) = %q, want %q", in, got, want)
		}
	}
	if len(Locales()) != 10 {
		t.Errorf("locales: %v, want the CLI's ten", Locales())
	}
}

// usedForms are the plural forms go-i18n picks in a language for the whole
// counts kp-token prints (durations, attempts, entries).
func usedForms(t *testing.T, locale string) []string {
	t.Helper()
	tag := language.MustParse(tagOf(locale))
	b := goi18n.NewBundle(language.AmericanEnglish)
	if err := b.AddMessages(tag, &goi18n.Message{ID: "x", Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"}); err != nil {
		t.Fatal(err)
	}
	l := goi18n.NewLocalizer(b, tag.String())
	seen := map[string]bool{}
	for _, n := range []int{0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 14, 20, 21, 22, 25, 100, 101, 111, 1000, 1000000, 2000000} {
		s, err := l.Localize(&goi18n.LocalizeConfig{MessageID: "x", PluralCount: n})
		if err != nil {
			t.Fatal(err)
		}
		seen[s] = true
	}
	var out []string
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// sameAsEnglish lists messages whose text is rightly the same as English
// in a language: names and IDs, and words the language shares.
var sameAsEnglish = map[string]map[string]bool{
	"de_DE": {"help_name": true, "inspect_name": true, "label_name": true},
	"it_IT": {"inspect_account": true, "label_account": true, "label_kp_endpoint": true, "version_line": true},
	"ja_JP": {"inspect_iam_id": true}, "ko_KR": {"inspect_iam_id": true}, "zh_Hant": {"inspect_iam_id": true},
}

// TestCatalogsAreTranslated: every locale is valid UTF-8, has the plural
// forms its language needs and no others, and translates every message.
func TestCatalogsAreTranslated(t *testing.T) {
	base := loadRaw(t, DefaultLocale)
	for _, locale := range Locales()[1:] {
		t.Run(locale, func(t *testing.T) {
			raw, _ := Catalog(locale)
			if !utf8.Valid(raw) {
				t.Fatalf("%s is not valid UTF-8", locale)
			}
			cat := loadRaw(t, locale)
			forms := strings.Join(usedForms(t, locale), ",")
			for id, en := range base {
				tr := cat[id]
				if m, ok := tr.(map[string]any); ok {
					var got []string
					for f := range m {
						got = append(got, f)
					}
					sort.Strings(got)
					if strings.Join(got, ",") != forms {
						t.Errorf("%s %q has plural forms %v; %s uses %s", locale, id, got, locale, forms)
					}
					continue
				}
				if strings.HasSuffix(id, "_usage") || id == "usage_generic" || sameAsEnglish[locale][id] {
					continue // command lines stay English, as IBM's help does
				}
				if fmt.Sprint(tr) == fmt.Sprint(en) {
					t.Errorf("%s %q is the English text", locale, id)
				}
			}
		})
	}
}

// fold lowercases and drops accents, so that "regiones" holds "región".
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// prose is a message without what is never translated: placeholders,
// options, quoted commands, upper-case names.
var notProse = regexp.MustCompile(`\{\{[^}]*\}\}|--[a-z][a-z-]*|'(?:ibmcloud|curl|cat|sh|IAM token|Authorization|Bearer|bluemix)[^']*'|` +
	`\b(?:KEY|KEY_FILE|FILE|DURATION|TOKEN|NAME|SERVICE_ID|ACCOUNT_ID|REGION|INSTANCE|INSTANCE_CRN|COMMAND|ARGS|SECONDS|PROFILE|FORMAT|SHELL|TEXT|ROLE)\b`)

// termPattern matches a term in folded text, each word as a stem, so that
// plurals and declensions count ("señales de acceso", "vertrauenswürdigen
// Profils"); words without Latin letters are matched whole.
func termPattern(term string) *regexp.Regexp {
	var parts []string
	for _, w := range strings.Fields(fold(term)) {
		stem := w
		if strings.IndexFunc(w, func(r rune) bool { return r >= 'a' && r <= 'z' }) >= 0 {
			if n := len([]rune(w)) - 2; n >= 4 {
				stem = string([]rune(w)[:n])
			}
		}
		parts = append(parts, regexp.QuoteMeta(stem)+`\S*`)
	}
	return regexp.MustCompile(strings.Join(parts, `\s+`))
}

func prose(v any) string {
	s, ok := v.(string)
	if !ok {
		b, _ := json.Marshal(v)
		s = string(b)
	}
	return notProse.ReplaceAllString(s, " ")
}

func TestTermsAreRespected(t *testing.T) {
	doc, err := os.ReadFile("TERMS.md")
	if err != nil {
		t.Fatal(err)
	}
	var header []string
	terms := map[string]map[string]string{} // English term -> locale -> term
	for _, line := range strings.Split(string(doc), "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| ---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if header == nil {
			header = cells
			continue
		}
		terms[cells[0]] = map[string]string{}
		for i, c := range cells[1:] {
			terms[cells[0]][header[i+1]] = c
		}
	}
	if len(terms) < 9 || len(header) != len(Locales()) {
		t.Fatalf("TERMS.md: %d terms, columns %v", len(terms), header)
	}
	base := loadRaw(t, DefaultLocale)
	for term, byLocale := range terms {
		re := regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(term))
		for id, en := range base {
			if !re.MatchString(prose(en)) {
				continue
			}
			for locale, want := range byLocale {
				if got := prose(loadRaw(t, locale)[id]); !termPattern(want).MatchString(fold(got)) {
					t.Errorf("%s %q uses %q in English but not %q: %s", locale, id, term, want, got)
				}
			}
		}
	}
}

// TestTermCheckCanFail guards the guard.
func TestTermCheckCanFail(t *testing.T) {
	if !termPattern("señal de acceso").MatchString(fold("Las señales de acceso")) ||
		!termPattern("vertrauenswürdiges Profil").MatchString(fold("des vertrauenswürdigen Profils")) ||
		!termPattern("访问令牌").MatchString(fold("获取访问令牌。")) {
		t.Fatal("a term in another grammatical form was not recognised")
	}
	if termPattern("señal de acceso").MatchString(fold("token de acceso")) || termPattern("访问令牌").MatchString(fold("访问记号")) {
		t.Fatal("another word passed for the term")
	}
}
