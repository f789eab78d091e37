package i18n

import (
	"bytes"
	"encoding/json"
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
		if strings.Contains(filepath.ToSlash(path), "/iamtest/") {
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
