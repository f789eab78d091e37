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
	"de_DE": {"help_name": true, "inspect_name": true, "label_name": true, "instance_col_region": true},
	"it_IT": {"inspect_account": true, "label_account": true, "label_kp_endpoint": true},
	"ja_JP": {"inspect_iam_id": true}, "ko_KR": {"inspect_iam_id": true}, "zh_Hant": {"inspect_iam_id": true},
}

// sameEverywhere lists messages that may read as in English in any
// language: GUID is the name of the identifier, which IBM's pages keep in
// every language ("GUID de l'instance", "인스턴스 GUID"); the names of IBM
// products are never translated (the languages that put an article before
// them, pt_BR's "o IAM", write it).
var sameEverywhere = map[string]bool{"instance_col_guid": true, "service_iam": true, "service_key_protect": true}

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
				if strings.HasSuffix(id, "_usage") || id == "usage_generic" || sameAsEnglish[locale][id] || sameEverywhere[id] {
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
// options, commands (quoted, or a command line such as "cat key.json |
// ibmcloud kp-token get"), upper-case names, HTTP methods (GET is not the
// verb "get").
var notProse = regexp.MustCompile(`\{\{[^}]*\}\}|--[a-z][a-z-]*|'(?:ibmcloud|curl|cat|sh|IAM token|Authorization|Bearer|bluemix)[^']*'|` +
	`\bibmcloud(?: [a-z][a-z-]*){1,3}|` +
	`\b(?:KEY|KEY_FILE|FILE|DURATION|TOKEN|NAME|SERVICE_ID|ACCOUNT_ID|REGION|INSTANCE|INSTANCE_CRN|COMMAND|ARGS|SECONDS|PROFILE|FORMAT|SHELL|TEXT|ROLE|GET|HEAD|POST|PUT|PATCH|DELETE)\b`)

// otherSenses are English phrases where a TERMS.md term means something
// else: "pass" is IBM's "pass an option", not "standard error passes
// through".
var otherSenses = map[string]*regexp.Regexp{
	"pass": regexp.MustCompile(`(?i)\bpass(?:es)? through\b`),
}

// termPattern matches a term in folded text. A cell may give several forms
// separated by " / ", any of which counts: IBM's base form first, then the
// inflections the stem rule cannot reach ("obtém" for "obter", "ottiene"
// for "ottenere"). Each word is matched as a stem: a word with Latin
// letters loses its last two letters when it has six or more; a Korean
// verb in its dictionary form loses its final 다 (text is folded to NFD, so
// 가져오 matches 가져옵니다 and 가져오십시오); other words must appear
// whole. "…" stands for the words a German separable verb puts between its
// parts ("rufen … ab"), within one clause.
func termPattern(term string) *regexp.Regexp {
	var alts []string
	for _, form := range strings.Split(term, " / ") {
		var b strings.Builder
		for i, w := range strings.Fields(form) {
			if w == "…" {
				b.WriteString(`(?:\s+[^\s.;:!?。；：]+)*?`)
				continue
			}
			if i > 0 {
				b.WriteString(`\s+`)
			}
			if hangulOnly(w) && strings.HasSuffix(w, "다") && utf8.RuneCountInString(w) > 1 {
				w = strings.TrimSuffix(w, "다")
			}
			stem := fold(w)
			if strings.IndexFunc(stem, func(r rune) bool { return r >= 'a' && r <= 'z' }) >= 0 {
				if n := len([]rune(stem)) - 2; n >= 4 {
					stem = string([]rune(stem)[:n])
				}
			}
			b.WriteString(regexp.QuoteMeta(stem) + `\S*`)
		}
		alts = append(alts, b.String())
	}
	return regexp.MustCompile(strings.Join(alts, "|"))
}

func hangulOnly(w string) bool {
	for _, r := range w {
		if !unicode.Is(unicode.Hangul, r) {
			return false
		}
	}
	return w != ""
}

func prose(v any) string {
	s, ok := v.(string)
	if !ok {
		b, _ := json.Marshal(v)
		s = string(b)
	}
	return notProse.ReplaceAllString(s, " ")
}

// loadTerms reads TERMS.md's table: English term -> locale -> term.
func loadTerms(t *testing.T) map[string]map[string]string {
	t.Helper()
	doc, err := os.ReadFile("TERMS.md")
	if err != nil {
		t.Fatal(err)
	}
	var header []string
	terms := map[string]map[string]string{}
	for _, line := range strings.Split(string(doc), "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| ---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if header == nil {
			header = cells
			continue
		}
		if len(cells) != len(header) {
			t.Fatalf("TERMS.md: row %q has %d cells, the header %d", cells[0], len(cells), len(header))
		}
		terms[cells[0]] = map[string]string{}
		for i, c := range cells[1:] {
			if strings.TrimSpace(c) == "" {
				t.Fatalf("TERMS.md: %q has no %s term", cells[0], header[i+1])
			}
			terms[cells[0]][header[i+1]] = c
		}
	}
	if len(terms) < 9 || len(header) != len(Locales()) {
		t.Fatalf("TERMS.md: %d terms, columns %v", len(terms), header)
	}
	return terms
}

// TestTermsAreRespected holds every catalog to TERMS.md: wherever an en_US
// message uses a term, the locale's message uses the locale's term. One
// subtest per locale (go test -run 'TestTermsAreRespected/zh_').
func TestTermsAreRespected(t *testing.T) {
	terms := loadTerms(t)
	base := loadRaw(t, DefaultLocale)
	for _, locale := range Locales()[1:] {
		t.Run(locale, func(t *testing.T) {
			cat := loadRaw(t, locale)
			for term, byLocale := range terms {
				re := regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(term))
				want := termPattern(byLocale[locale])
				for id, en := range base {
					p := prose(en)
					if other := otherSenses[term]; other != nil {
						p = other.ReplaceAllString(p, " ")
					}
					if !re.MatchString(p) {
						continue
					}
					if got := prose(cat[id]); !want.MatchString(fold(got)) {
						t.Errorf("%s %q uses %q in English but not %q: %s", locale, id, term, byLocale[locale], got)
					}
				}
			}
		})
	}
}

// TestTermCheckCanFail guards the guard.
func TestTermCheckCanFail(t *testing.T) {
	for term, text := range map[string]string{
		"señal de acceso":                  "Las señales de acceso",
		"vertrauenswürdiges Profil":        "des vertrauenswürdigen Profils",
		"访问令牌":                             "获取访问令牌。",
		"obter / obtenha / obtém / obtido": "Obtenha um novo token",
		"가져오다":                             "새 토큰을 가져오십시오.",
		"abrufen / abgerufen / rufen … ab": "Rufen Sie mit dem Schlüssel ein Token ab.",
		"사용 중":                             "IAM이 사용 중이거나",
	} {
		if !termPattern(term).MatchString(fold(text)) {
			t.Errorf("%q was not recognised in %q", term, text)
		}
	}
	for term, text := range map[string]string{
		"señal de acceso":                  "token de acceso",
		"访问令牌":                             "访问记号",
		"가져오다":                             "새 토큰을 검색하십시오.",
		"obtenir / obtient":                "Extrayez un nouveau jeton.",
		"abrufen / abgerufen / rufen … ab": "Rufen Sie an. Der Rest ab",
	} {
		if termPattern(term).MatchString(fold(text)) {
			t.Errorf("%q passed for %q", text, term)
		}
	}
	if otherSenses["pass"].MatchString("Pass --region") || !otherSenses["pass"].MatchString("output and error pass through") {
		t.Error(`the other sense of "pass" is not told apart`)
	}
	if p := prose("for example: cat key.json | ibmcloud kp-token get --apikey -"); strings.Contains(p, "get") {
		t.Errorf("a command line counted as prose: %q", p)
	}
	if p := prose("a GET request, then get a token"); strings.Contains(p, "GET") || !strings.Contains(p, "get a token") {
		t.Errorf("the HTTP method GET and the verb get are not told apart: %q", p)
	}
}

// frozenForRedesign are messages another change rebuilds around new data;
// the writing-rule tests below skip them until it lands. Empty since the
// redesign of issue 17 (design fixes 1 to 4) rewrote the stdout label, the
// setup steps, the undo and cache-delete sentences and the endpoint
// remedies in every catalog.
var frozenForRedesign = map[string]bool{}

// texts are the strings of a message: the text, or each plural form.
func texts(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case map[string]any:
		var out []string
		for _, f := range x {
			if s, ok := f.(string); ok {
				out = append(out, s)
			}
		}
		sort.Strings(out)
		return out
	}
	return nil
}

// localizedData are the placeholders whose values are words in the user's
// language (a duration, a name from the catalog); the others hold data
// such as a URL, an ID or an HTTP status, written in Latin letters.
var localizedData = map[string]bool{
	"Duration": true, "Left": true, "MinValidity": true, "Lifetime": true, "Ago": true, "Expiry": true, "Timeout": true,
	"Source": true, "Subject": true, "What": true, "Step": true, "Service": true,
}

// cjk reports whether a rune is a Chinese or Japanese letter (not
// punctuation: "（HTTP 404：Not Found）" is still Latin-only content).
func cjk(r rune) bool { return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) }

// parenIssues checks the parentheses of a Chinese text the way IBM's
// Chinese style guides write them: half-width ( ) around content without
// Chinese words ("(HTTP 404)", "(HTTP 404, BXNIM0415E)"), full-width （ ）
// around content with Chinese in it, never one of each.
func parenIssues(s string) []string {
	rendered := placeholderRe.ReplaceAllStringFunc(s, func(p string) string {
		if localizedData[placeholderRe.FindStringSubmatch(p)[1]] {
			return "中"
		}
		return "x"
	})
	type open struct {
		at, end int // where the opening mark starts and ends
		full    bool
	}
	var stack []open
	var issues []string
	for i, r := range rendered {
		switch r {
		case '(', '（':
			stack = append(stack, open{i, i + utf8.RuneLen(r), r == '（'})
		case ')', '）':
			if len(stack) == 0 {
				continue // "1)" and the like
			}
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			full := r == '）'
			inner := rendered[o.end:i]
			pair := rendered[o.at : i+utf8.RuneLen(r)]
			chinese := strings.IndexFunc(inner, cjk) >= 0
			switch {
			case o.full != full:
				issues = append(issues, "mixed parentheses "+pair)
			case full && !chinese:
				issues = append(issues, "full-width parentheses around Latin-only content "+pair)
			case !full && chinese:
				issues = append(issues, "half-width parentheses around Chinese content "+pair)
			}
		}
	}
	return issues
}

func TestChineseParentheses(t *testing.T) {
	for _, locale := range []string{"zh_Hans", "zh_Hant"} {
		t.Run(locale, func(t *testing.T) {
			for id, v := range loadRaw(t, locale) {
				if frozenForRedesign[id] {
					continue
				}
				for _, s := range texts(v) {
					for _, issue := range parenIssues(s) {
						t.Errorf("%s %q: %s", locale, id, issue)
					}
				}
			}
		})
	}
}

// chineseSentence splits at the marks that end a Chinese sentence, and at
// line ends (help texts put one item per line).
var chineseSentence = regexp.MustCompile(`[。！？\n]`)

// TestChineseOneColonPerSentence: a full-width colon introduces what
// follows it; two in one sentence ("拒绝执行以下操作：X（...）：msg") leave
// the reader to guess which part explains which.
func TestChineseOneColonPerSentence(t *testing.T) {
	for _, locale := range []string{"zh_Hans", "zh_Hant"} {
		t.Run(locale, func(t *testing.T) {
			for id, v := range loadRaw(t, locale) {
				if frozenForRedesign[id] {
					continue
				}
				for _, s := range texts(v) {
					for _, sentence := range chineseSentence.Split(s, -1) {
						if strings.Count(sentence, "：") > 1 {
							t.Errorf("%s %q has %d colons in one sentence: %s", locale, id, strings.Count(sentence, "："), sentence)
						}
					}
				}
			}
		})
	}
}

// afterPlaceholder finds what directly follows a placeholder, or a quote
// that closes on one ('...{{.Region}}'을).
var afterPlaceholder = regexp.MustCompile(`\}\}['"’」』]?(\(으\)로|[\p{Hangul}()]*)`)

// koreanSafe are the particle forms IBM's Korean catalogs write after a
// value whose last sound is unknown: both endings, or a particle that does
// not depend on it (에, 에서, 의, 도, 만, 까지, 부터...).
var koreanSafe = regexp.MustCompile(`^(?:을\(를\)|를\(을\)|이\(가\)|가\(이\)|은\(는\)|는\(은\)|와\(과\)|과\(와\)|\(으\)로|\(이\)라)`)

// koreanUnsafe are the particles whose form depends on the last sound of
// the word before them: after a placeholder one of the two is wrong for
// some values. The copula (입니다, 이며) reads right after both endings.
var koreanUnsafe = regexp.MustCompile(`^(?:을|를|이|가|은|는|와|과|으로\p{Hangul}*|로|로서|로써|로는|로도|로의|이나|나|이라\p{Hangul}*|라는|라고|라면|이랑|랑|아|야)$`)

func koreanParticleIssues(s string) []string {
	var issues []string
	for _, m := range afterPlaceholder.FindAllStringSubmatch(s, -1) {
		next := m[1]
		if next == "" || koreanSafe.MatchString(next) {
			continue
		}
		word := next
		if i := strings.IndexAny(word, "()"); i >= 0 {
			word = word[:i]
		}
		if koreanUnsafe.MatchString(word) {
			issues = append(issues, m[0])
		}
	}
	return issues
}

// TestKoreanParticlesAfterPlaceholders: a particle right after a value is
// written for both endings (을(를), 이(가), 은(는), 와(과), (으)로) or is
// one that needs no choice, or the sentence is built without one.
func TestKoreanParticlesAfterPlaceholders(t *testing.T) {
	t.Run("ko_KR", func(t *testing.T) {
		for id, v := range loadRaw(t, "ko_KR") {
			if frozenForRedesign[id] {
				continue
			}
			for _, s := range texts(v) {
				for _, issue := range koreanParticleIssues(s) {
					t.Errorf("ko_KR %q: particle after a value in one form only: %q in %s", id, issue, s)
				}
			}
		}
	})
}

// durationAfterDativePreposition finds a duration placeholder after a
// German preposition that governs the dative (or genitive): "vor
// {{.Duration}}" renders "vor 3 Tage", which needs "Tagen". The catalog's
// unit words are nominative, so a sentence must not need another case.
var durationAfterDativePreposition = regexp.MustCompile(`(?i)(?:^|[\s(„"'])(aus|bei|mit|nach|seit|von|vom|zu|zum|zur|vor|in|im|an|am|auf|unter|über|hinter|neben|zwischen|binnen|innerhalb|außerhalb|während|wegen|trotz|ab|gegenüber)` +
	`\s+(?:(?:weniger|mehr|länger|kürzer)\s+als\s+|mindestens\s+|höchstens\s+|etwa\s+|rund\s+|noch\s+)?\{\{\s*\.(Duration|Left|MinValidity|Lifetime|Ago|Timeout)\s*\}\}`)

func TestGermanDurationsNeedNoCase(t *testing.T) {
	t.Run("de_DE", func(t *testing.T) {
		for id, v := range loadRaw(t, "de_DE") {
			for _, s := range texts(v) {
				if m := durationAfterDativePreposition.FindString(s); m != "" {
					t.Errorf("de_DE %q: a duration after a preposition that needs the dative (%q): %s", id, strings.TrimSpace(m), s)
				}
			}
		}
	})
}

// TestWritingRuleChecksCanFail guards the guards with today's mistakes.
func TestWritingRuleChecksCanFail(t *testing.T) {
	if len(parenIssues("IAM 过载或不可用（HTTP {{.Status}}）。")) == 0 || len(parenIssues("已到期 ({{.Duration}}后)")) == 0 ||
		len(parenIssues("（HTTP {{.Status}})")) == 0 || len(parenIssues("不识别（HTTP {{.Status}}：{{.Reason}}）")) == 0 {
		t.Error("wrong Chinese parentheses passed")
	}
	if len(parenIssues("不可用 (HTTP {{.Status}})，到期（{{.Duration}}后），(KEY | @FILE | -)")) != 0 {
		t.Error("right Chinese parentheses were refused")
	}
	for _, bad := range []string{"'ibmcloud target -r {{.Region}}'을 실행", "{{.Name}}이 없습니다", "{{.URL}}로 연결", "{{.Profile}}는 ", "{{.Name}}과 "} {
		if len(koreanParticleIssues(bad)) == 0 {
			t.Errorf("unsafe Korean particle passed: %s", bad)
		}
	}
	for _, good := range []string{"'{{.Command}}'을(를) 실행", "{{.Name}}이(가) 없습니다", "{{.URL}}(으)로 연결", "{{.URL}}에서", "{{.Count}}개", "{{.Name}}입니다", "Key Protect({{.URL}})가", "{{.Path}}의 "} {
		if issues := koreanParticleIssues(good); len(issues) != 0 {
			t.Errorf("safe Korean text refused: %s (%v)", good, issues)
		}
	}
	for _, bad := range []string{"(vor {{.Duration}})", "in {{.Left}} ab", "nach mehr als {{.Duration}}"} {
		if !durationAfterDativePreposition.MatchString(bad) {
			t.Errorf("German duration after a dative preposition passed: %s", bad)
		}
	}
	for _, good := range []string{"Restlaufzeit: {{.Duration}}", "für {{.Lifetime}} aus", "seit {{.Time}}", "Dauer {{.Duration}}"} {
		if durationAfterDativePreposition.MatchString(good) {
			t.Errorf("German text without case trouble refused: %s", good)
		}
	}
}
