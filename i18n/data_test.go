package i18n

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The data a message names things with: what shows up in a sentence as a
// noun phrase. Its values must come from the catalog (or be a name that no
// language translates), never from a Go string: "VPC instance metadata
// service" passed as {{.Service}} put English into nine languages.
var namingKeys = map[string]bool{"Service": true, "Step": true, "What": true, "Source": true}

const (
	modulePath  = "github.com/kp-token/kp-token"
	failurePath = modulePath + "/plugin/failure"
)

// listedPackage is what 'go list -json' says of a package.
type listedPackage struct {
	ImportPath, Dir, Export string
	GoFiles                 []string
	DepOnly                 bool
	Module                  *struct{ Path string }
}

// productPackages type-checks kp-token's own packages (not test support
// or tools) from source, their imports from the compiler's export data.
func productPackages(t *testing.T) (*token.FileSet, []*checkedPackage) {
	t.Helper()
	cmd := exec.Command("go", "list", "-export", "-deps", "-json", modulePath+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	exports := map[string]string{}
	var mine []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		exports[p.ImportPath] = p.Export
		if p.DepOnly || p.Module == nil || p.Module.Path != modulePath || support(p.ImportPath) {
			continue
		}
		mine = append(mine, p)
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		if exports[path] == "" {
			return nil, errors.New("no export data for " + path)
		}
		return os.Open(exports[path])
	})
	var pkgs []*checkedPackage
	for _, p := range mine {
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}}
		conf := types.Config{Importer: imp}
		if _, err := conf.Check(p.ImportPath, fset, files, info); err != nil {
			t.Fatalf("type-checking %s: %v", p.ImportPath, err)
		}
		pkgs = append(pkgs, &checkedPackage{path: p.ImportPath, files: files, info: info})
	}
	if len(pkgs) < 10 {
		t.Fatalf("only %d packages checked", len(pkgs))
	}
	return fset, pkgs
}

type checkedPackage struct {
	path  string
	files []*ast.File
	info  *types.Info
}

// support is test support and maintainer tooling, which speak to
// developers rather than users.
func support(path string) bool {
	p := strings.TrimPrefix(path, modulePath+"/")
	return strings.HasPrefix(p, "plugin/iamtest") || strings.HasPrefix(p, "plugin/tools/") || p == "plugin/cmd/cmdtest"
}

// failureType is the name of a type of package failure, or "".
func failureType(t types.Type) string {
	if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == failurePath {
		return n.Obj().Name()
	}
	return ""
}

// optionOrVariable is what a failure.Name may hold: an option or an
// environment variable, which no language translates.
var optionOrVariable = regexp.MustCompile(`^(--?[a-z][a-z0-9-]*|[A-Z][A-Z0-9_]*)$`)

// TestNamesComeFromTheCatalog is a vet-style check of the code: wherever a
// message's data names something (a key of namingKeys, in a map literal
// or an assignment to one), the value is a failure.Msg, failure.Service,
// failure.Name or failure.Word, never a string; every constant Msg is an
// en_US message, every constant Service one package failure names (so it
// has its catalog message), and every constant Name an option or variable
// name. A type-checked walk rather than a rendering of every message:
// it sees every call site, including the failures no test provokes.
func TestNamesComeFromTheCatalog(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the whole module")
	}
	base := loadRaw(t, DefaultLocale)
	fset, pkgs := productPackages(t)
	services := map[string]bool{}
	seen := map[string]int{}
	for _, p := range pkgs {
		if p.path != failurePath {
			continue
		}
		for _, f := range p.files {
			ast.Inspect(f, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok {
					if c, ok := p.info.Uses[id].(*types.Const); ok && failureType(c.Type()) == "Service" {
						services[constant.StringVal(c.Val())] = true
					}
				}
				return true
			})
		}
	}
	for _, p := range pkgs {
		check := func(key string, value ast.Expr) {
			if !namingKeys[key] {
				return
			}
			seen[key]++
			switch failureType(p.info.TypeOf(value)) {
			case "Msg", "Service", "Name", "Word":
			default:
				t.Errorf("%s: {{.%s}} gets a %s, not a failure.Msg, Service or Name: English would reach every language",
					fset.Position(value.Pos()), key, p.info.TypeOf(value))
			}
		}
		for _, f := range p.files {
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.KeyValueExpr:
					if k, ok := x.Key.(*ast.BasicLit); ok && k.Kind == token.STRING {
						s, _ := strconv.Unquote(k.Value)
						check(s, x.Value)
					}
				case *ast.AssignStmt:
					for i, lhs := range x.Lhs {
						if ix, ok := lhs.(*ast.IndexExpr); ok && i < len(x.Rhs) {
							if k, ok := ix.Index.(*ast.BasicLit); ok && k.Kind == token.STRING {
								s, _ := strconv.Unquote(k.Value)
								check(s, x.Rhs[i])
							}
						}
					}
				case ast.Expr:
					tv, ok := p.info.Types[x]
					if !ok || tv.Value == nil || tv.Value.Kind() != constant.String {
						return true
					}
					v := constant.StringVal(tv.Value)
					switch failureType(tv.Type) {
					case "Msg":
						if v == "" {
							break // "no message", compared against
						}
						if _, ok := base[v]; !ok {
							t.Errorf("%s: failure.Msg(%q) is not an en_US message", fset.Position(x.Pos()), v)
						}
					case "Service":
						if p.path != failurePath && !services[v] {
							t.Errorf("%s: failure.Service(%q) is none of package failure's services: it has no catalog name", fset.Position(x.Pos()), v)
						}
					case "Name":
						if !optionOrVariable.MatchString(v) {
							t.Errorf("%s: failure.Name(%q) is not an option or variable name: words for people are a failure.Msg", fset.Position(x.Pos()), v)
						}
					}
				}
				return true
			})
		}
	}
	// The walk found the data it is about: it would pass vacuously if the
	// code named things under other keys.
	for key := range namingKeys {
		if seen[key] == 0 {
			t.Errorf("no message data with the key %s was found: is the check still looking at the code?", key)
		}
	}
	if len(services) < 4 {
		t.Errorf("package failure names %d services", len(services))
	}
}

// valueFamilies are the messages each naming placeholder takes its values
// from: the catalog's names of services, setup's steps, what setup undoes,
// and the sources of a setting (with a name as an option or a variable
// gives it). A message of a family has no placeholder of its own.
func valueFamilies(base map[string]any) map[string][]string {
	families := map[string][]string{}
	prefixes := map[string]string{"Service": "service_", "Step": "setup_step_", "What": "setup_undo_", "Source": "source_"}
	for id, v := range base {
		s, ok := v.(string)
		if !ok || placeholderRe.MatchString(s) {
			continue
		}
		for key, prefix := range prefixes {
			if strings.HasPrefix(id, prefix) {
				families[key] = append(families[key], id)
			}
		}
	}
	for _, ids := range families {
		sort.Strings(ids)
	}
	return families
}

// articleClash finds, in a language whose names carry their article, a
// value placed where that article cannot stand: after a preposition it
// contracts with (es "de el", fr "de le", it "di il", pt "em o"), after a
// word that elides before a vowel (fr "de IAM" for "d'IAM"), or, in
// German, after a preposition at all (the catalog's names are nominative:
// "von der Resource Controller" needs the dative).
var articleClash = map[string]struct {
	before   *regexp.Regexp // the word before the placeholder
	articles *regexp.Regexp // how a value begins
}{
	"es_ES": {regexp.MustCompile(`(?i)^(de|a)$`), regexp.MustCompile(`^el\b`)},
	"fr_FR": {regexp.MustCompile(`(?i)^(de|à)$`), regexp.MustCompile(`^les?\b`)},
	"it_IT": {regexp.MustCompile(`(?i)^(di|a|da|in|su)$`), regexp.MustCompile(`^(il|lo|la|i|gli|le)\b|^l'`)},
	"pt_BR": {regexp.MustCompile(`(?i)^(de|em|a|por)$`), regexp.MustCompile(`^(o|a|os|as)\b`)},
	"de_DE": {regexp.MustCompile(`(?i)^(aus|bei|mit|nach|seit|von|zu|vor|in|an|auf|unter|über|für|durch|gegen|ohne|um|hinter|neben|zwischen|wegen|während|trotz)$`),
		regexp.MustCompile(`^(der|die|das|den|dem|des)\b`)},
}

// frenchElision are the words French writes with an apostrophe before a
// vowel: "de IAM" must be "d'IAM".
var frenchElision = regexp.MustCompile(`(?i)^(de|que|le|la|ne|se|ce|jusque|lorsque|puisque)$`)

var wordBefore = regexp.MustCompile(`(\p{L}+)['’]?\s*$`)

// TestNamesFitTheirSentences renders, in every locale, every message that
// names something with every value its placeholder can take, and checks
// that each value stands where the language lets it: not lower case at the
// start of a sentence, not after a preposition its article contracts
// with or a word that elides before it, and in Chinese and Korean under
// the same rules as any other text of the message. This holds the design
// (names are noun phrases from the catalog, sentences built around them);
// the writing-rule tests in catalog_test.go hold the rest.
func TestNamesFitTheirSentences(t *testing.T) {
	base := loadRaw(t, DefaultLocale)
	families := valueFamilies(base)
	for _, key := range []string{"Service", "Step", "What", "Source"} {
		if len(families[key]) == 0 {
			t.Fatalf("no catalog values for {{.%s}}", key)
		}
	}
	for _, locale := range Locales() {
		t.Run(locale, func(t *testing.T) {
			cat := loadRaw(t, locale)
			tr := New(locale)
			for id, v := range cat {
				for _, text := range texts(v) {
					for _, m := range regexp.MustCompile(`\{\{\s*\.(Service|Step|What|Source)\s*\}\}`).FindAllStringSubmatchIndex(text, -1) {
						key := text[m[2]:m[3]]
						values := []string{}
						for _, vid := range families[key] {
							values = append(values, tr.T(vid))
						}
						if key == "Source" {
							values = append(values, "KP_ENDPOINT", "--kp-endpoint")
						}
						for _, value := range values {
							for _, issue := range placementIssues(locale, text[:m[0]], value) {
								t.Errorf("%s %q: {{.%s}} = %q: %s", locale, id, key, value, issue)
							}
						}
					}
				}
			}
		})
	}
}

// placementIssues checks a value placed after the text before.
func placementIssues(locale, before, value string) []string {
	var issues []string
	first, _ := utf8.DecodeRuneInString(value)
	trimmed := strings.TrimRight(before, " \u00a0")
	if unicode.IsLower(first) && (trimmed == "" || strings.ContainsAny(trimmed[len(trimmed)-1:], ".!?\n")) {
		issues = append(issues, "a lower-case value starts a sentence")
	}
	w := wordBefore.FindStringSubmatch(before)
	if w == nil {
		return issues // a parenthesis, a colon, a quote: nothing to agree with
	}
	prev := w[1]
	if c, ok := articleClash[locale]; ok && c.before.MatchString(prev) && c.articles.MatchString(value) {
		issues = append(issues, "its article cannot follow "+strconv.Quote(prev))
	}
	if locale == "fr_FR" && frenchElision.MatchString(prev) && strings.ContainsRune("aeiouyhéèêàâîôûAEIOUYHÉÈÊÀÂÎÔÛ", first) {
		issues = append(issues, strconv.Quote(prev)+" must elide before it")
	}
	return issues
}

// TestNameChecksCanFail guards the guards with the mistakes they are for.
func TestNameChecksCanFail(t *testing.T) {
	bad := []struct{ locale, before, value string }{
		{"es_ES", "La solicitud a ", "el Resource Controller"},
		{"fr_FR", "La réponse du service de ", "le Resource Controller"},
		{"fr_FR", "La demande de ", "IAM"},
		{"it_IT", "La risposta di ", "il Resource Controller"},
		{"pt_BR", "A resposta do terminal em ", "o IAM"},
		{"de_DE", "Die Anforderung an ", "der Resource Controller"},
		{"en_US", "", "the Resource Controller"},
		{"pt_BR", "Falhou. ", "o IAM"},
	}
	for _, b := range bad {
		if len(placementIssues(b.locale, b.before, b.value)) == 0 {
			t.Errorf("%s: %q + %q passed", b.locale, b.before, b.value)
		}
	}
	good := []struct{ locale, before, value string }{
		{"es_ES", "No se puede conectar con ", "el Resource Controller"},
		{"fr_FR", "Impossible de joindre ", "le Resource Controller"},
		{"fr_FR", "envoyée par ", "IAM"},
		{"it_IT", "configurato per ", "il Resource Controller"},
		{"pt_BR", "Em 30 segundos, ", "o IAM"},
		{"de_DE", "Unter https://x ist ", "der Resource Controller"},
		{"en_US", "", "IAM"},
	}
	for _, g := range good {
		if issues := placementIssues(g.locale, g.before, g.value); len(issues) != 0 {
			t.Errorf("%s: %q + %q refused: %v", g.locale, g.before, g.value, issues)
		}
	}
}
