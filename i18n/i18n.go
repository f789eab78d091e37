// Package i18n holds kp-token's message catalogs and chooses the locale.
//
// The catalogs are go-i18n v2 files named all.<locale>.json, embedded in the
// binary. Every locale must carry exactly the en_US message IDs with the same
// placeholders (catalog_test.go enforces it); at run time a missing message
// still falls back to en_US rather than showing an ID.
package i18n

import (
	"embed"
	"encoding/json"

	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// DefaultLocale is the locale of the reference catalog and the fallback.
const DefaultLocale = "en_US"

//go:embed all.*.json
var catalogs embed.FS

// Translator renders messages of one locale. It is lazy: the catalogs are
// parsed when the first message is rendered, so a run that prints no
// message (a cached 'get -q') never pays for them.
type Translator struct {
	requested string
	once      sync.Once
	locale    string
	localizer *goi18n.Localizer
}

// Locales lists the locales that have a catalog, en_US first.
func Locales() []string {
	entries, _ := catalogs.ReadDir(".")
	var out []string
	for _, e := range entries {
		name := e.Name()
		if l, ok := strings.CutPrefix(strings.TrimSuffix(name, ".json"), "all."); ok && l != DefaultLocale {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return append([]string{DefaultLocale}, out...)
}

// Catalog returns the raw bytes of a locale's catalog (for tests and tools).
func Catalog(locale string) ([]byte, error) {
	return catalogs.ReadFile("all." + locale + ".json")
}

// New returns a Translator for locale, which must be one of Locales() or is
// treated as en_US. It never panics: a catalog that fails to parse is skipped
// and its messages come from en_US.
func New(locale string) *Translator { return &Translator{requested: locale} }

func (t *Translator) init() {
	t.once.Do(func() {
		locale := t.requested
		if !supported(locale) {
			locale = DefaultLocale
		}
		b := shared()
		if !b.load(DefaultLocale) || !b.load(locale) {
			locale = DefaultLocale
		}
		tags := []string{tagOf(DefaultLocale)}
		if locale != DefaultLocale {
			tags = append([]string{tagOf(locale)}, tags...)
		}
		t.locale, t.localizer = locale, goi18n.NewLocalizer(b.bundle, tags...)
	})
}

// bundle is one go-i18n bundle per process: building one (with its plural
// rules) costs about a millisecond, which a CLI pays on every run, so every
// Translator shares it and catalogs are parsed once, when first needed.
type bundle struct {
	mu     sync.Mutex
	bundle *goi18n.Bundle
	loaded map[string]bool
}

var (
	sharedOnce   sync.Once
	sharedBundle *bundle
)

func shared() *bundle {
	sharedOnce.Do(func() {
		b := goi18n.NewBundle(language.AmericanEnglish)
		b.RegisterUnmarshalFunc("json", json.Unmarshal)
		sharedBundle = &bundle{bundle: b, loaded: map[string]bool{}}
	})
	return sharedBundle
}

// load parses a locale's catalog once; it reports whether the catalog is
// usable.
func (b *bundle) load(locale string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ok, done := b.loaded[locale]; done {
		return ok
	}
	data, err := Catalog(locale)
	if err == nil {
		_, err = b.bundle.ParseMessageFileBytes(trimBOM(data), "all."+tagOf(locale)+".json")
	}
	b.loaded[locale] = err == nil
	return err == nil
}

// Locale is the locale the Translator renders.
func (t *Translator) Locale() string {
	t.init()
	return t.locale
}

// T renders message id with optional template data.
func (t *Translator) T(id string, data ...map[string]any) string {
	var td map[string]any
	if len(data) > 0 {
		td = data[0]
	}
	return t.render(&goi18n.LocalizeConfig{MessageID: id, TemplateData: td})
}

// N renders a message with plural forms for count; the template sees
// {{.Count}} as well as data.
func (t *Translator) N(id string, count int, data map[string]any) string {
	td := map[string]any{"Count": count}
	for k, v := range data {
		td[k] = v
	}
	return t.render(&goi18n.LocalizeConfig{MessageID: id, TemplateData: td, PluralCount: count})
}

func (t *Translator) render(cfg *goi18n.LocalizeConfig) string {
	t.init()
	msg, err := t.localizer.Localize(cfg)
	if msg == "" && err != nil {
		// A message missing from every catalog is a bug caught by the catalog
		// test; showing the ID beats showing nothing.
		return cfg.MessageID
	}
	if t.locale == "ja_JP" || t.locale == "zh_Hans" || t.locale == "zh_Hant" {
		msg = closeCJKSpaces(msg)
	}
	return msg
}

// closeCJKSpaces removes a space between two Chinese or Japanese
// characters. IBM's Chinese and Japanese put a space between Latin text
// and their own ("IAM が", "IAM 令牌") and none between their own
// characters, so a catalog writes "{{.Service}} が" for a name that may be
// Latin (IAM) or not (VPC インスタンス・メタデータ・サービス), or a user's name
// in Chinese: the space goes where both sides are CJK.
func closeCJKSpaces(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	var b strings.Builder
	var prev rune
	for i, r := range s {
		if r == ' ' && eastAsian(prev) {
			if next, _ := utf8.DecodeRuneInString(s[i+1:]); eastAsian(next) {
				continue
			}
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// eastAsian reports whether r is a Chinese or Japanese character or full-width
// punctuation, beside which IBM's style puts no space.
func eastAsian(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) ||
		strings.ContainsRune("ー・、。，：；！？（）「」『』", r)
}

// JoinSentences joins sentences as the language of each writes them: a
// space after a sentence that ends with a Latin full stop (or with a
// server's text), none after a Chinese or Japanese one, whose full stop
// (。) already holds the space. "…失败。 TLS 握手失败。" would show a stray
// space in zh and ja. The rule reads the text, not the locale, so a
// server's English message inside a Japanese sentence still gets its space.
func JoinSentences(sentences ...string) string {
	var b strings.Builder
	for _, s := range sentences {
		if s == "" {
			continue
		}
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			prev := b.String()
			if r, _ := utf8.DecodeLastRuneInString(prev); !fullWidthStop(r) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(s)
	}
	return b.String()
}

// fullWidthStop reports whether r ends a sentence the way Chinese and
// Japanese do, with no space after it.
func fullWidthStop(r rune) bool {
	switch r {
	case '。', '！', '？', '：', '；', '）', '」', '』':
		return true
	}
	return false
}

// Resolve picks the catalog locale for the first usable candidate: the
// CLI's configured locale, then LC_ALL, LC_MESSAGES and LANG as POSIX
// orders them. Values like "fr_FR.UTF-8", "fr-CA", "fr" or "ko_KR@euro" map
// to the catalog of their language. "C" and "POSIX" mean English. Anything
// else that matches no catalog is skipped; with no match the result is en_US.
func Resolve(candidates ...string) string {
	for _, c := range candidates {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if c == "C" || c == "POSIX" || strings.HasPrefix(c, "C.") {
			return DefaultLocale
		}
		if l := match(c); l != "" {
			return l
		}
	}
	return DefaultLocale
}

func match(raw string) string {
	if i := strings.IndexAny(raw, ".@"); i >= 0 {
		raw = raw[:i]
	}
	// A locale named exactly as a catalog (LANG=ja_JP.UTF-8) needs no
	// language matching, which costs more than a whole cached run's own
	// work; matchTag gives every such name itself (TestExactLocaleNames).
	if supported(raw) {
		return raw
	}
	return matchTag(raw)
}

// matchTag finds the catalog for a language tag: its language, and its
// script where the language has two catalogs (Chinese).
func matchTag(raw string) string {
	raw = strings.ReplaceAll(raw, "_", "-")
	tag, err := language.Parse(raw)
	if err != nil {
		return ""
	}
	base, conf := tag.Base()
	if conf == language.No {
		return ""
	}
	script, _ := tag.Script()
	var best string
	for _, l := range Locales() {
		lt, err := language.Parse(strings.ReplaceAll(l, "_", "-"))
		if err != nil {
			continue
		}
		lb, _ := lt.Base()
		if lb != base {
			continue
		}
		if best == "" {
			best = l
		}
		// zh_Hans and zh_Hant differ by script, which Parse infers from the
		// region (zh_TW -> Hant).
		if ls, _ := lt.Script(); ls == script {
			return l
		}
	}
	return best
}

func supported(locale string) bool {
	for _, l := range Locales() {
		if l == locale {
			return true
		}
	}
	return false
}

func tagOf(locale string) string { return strings.ReplaceAll(locale, "_", "-") }

func trimBOM(b []byte) []byte { return []byte(strings.TrimPrefix(string(b), "\ufeff")) }
