package kptoken_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const module = "github.com/kp-token/kp-token"

// layer names what a package of the module is, by its path.
func layer(path string) string {
	p := strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
	switch {
	case p == "":
		return "main"
	case p == "plugin/kptoken":
		return "kptoken"
	case p == "plugin/startup":
		return "startup"
	case p == "plugin/cmd/root":
		return "root"
	case p == "plugin/cmd/factory":
		return "factory"
	case p == "plugin/cmd/cmdtest", strings.HasPrefix(p, "plugin/iamtest"), strings.HasPrefix(p, "plugin/tools/"):
		return "support"
	case strings.HasPrefix(p, "plugin/cmd/"):
		return "command"
	case p == "plugin/cmdutil":
		return "cmdutil"
	}
	return "domain"
}

// allowed says which layers a layer may import (besides its own, for
// domain packages): kptoken -> root -> commands -> cmdutil + domain.
var allowed = map[string][]string{
	"main":    {"kptoken", "startup"},
	"startup": {},
	"kptoken": {"root", "factory", "cmdutil", "domain"},
	"root":    {"command", "cmdutil", "domain"},
	"factory": {"cmdutil", "domain"},
	"command": {"cmdutil", "domain"},
	"cmdutil": {"domain"},
	"domain":  {"domain"},
}

// TestImportRules holds the layers plugin/README.md describes: what may
// import what, commands never import each other, only kptoken (and main)
// import the SDK's plugin package, and no product package imports test
// support or tools.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...").Output()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		from := layer(pkg)
		if from == "support" {
			continue
		}
		checked++
		for _, imp := range imports {
			if imp == "github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin" && from != "kptoken" && from != "main" {
				t.Errorf("%s imports the SDK's plugin package: only kptoken knows the plug-in runtime", pkg)
			}
			if !strings.HasPrefix(imp, module) {
				continue
			}
			to := layer(imp)
			ok := false
			for _, a := range allowed[from] {
				ok = ok || a == to
			}
			if !ok {
				t.Errorf("%s (%s) imports %s (%s)", pkg, from, imp, to)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d packages checked: go list gave\n%s", checked, out)
	}
}

// TestImportRulesCanFail shows the layers are told apart.
func TestImportRulesCanFail(t *testing.T) {
	for path, want := range map[string]string{
		module + "/plugin/cmd/get": "command", module + "/plugin/credential": "domain", module + "/i18n": "domain",
		module + "/plugin/cmd/cmdtest": "support", module + "/plugin/tools/bench": "support", module: "main",
	} {
		if got := layer(path); got != want {
			t.Errorf("layer(%s) = %s, want %s", path, got, want)
		}
	}
	for _, bad := range [][2]string{{"command", "command"}, {"domain", "cmdutil"}, {"cmdutil", "command"}, {"root", "kptoken"}} {
		for _, a := range allowed[bad[0]] {
			if a == bad[1] {
				t.Errorf("%s may import %s", bad[0], bad[1])
			}
		}
	}
}

// TestFuzzTargetsInTheMakefile: every fuzz target runs in 'make test', and
// the Makefile names none that is gone.
func TestFuzzTargetsInTheMakefile(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile(`-fuzz '\^(Fuzz\w+)\$\$' -fuzztime \$\(FUZZTIME\) \./(\S+)`).FindAllSubmatch(mk, -1) {
		listed[string(m[2])+" "+string(m[1])] = true
	}
	if len(listed) == 0 {
		t.Fatal("no fuzz target found in the Makefile")
	}
	found := map[string]bool{}
	fset := token.NewFileSet()
	err = filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil || !bytes.Contains(src, []byte("func Fuzz")) {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Fuzz") {
				rel, _ := filepath.Rel("../..", filepath.Dir(path))
				found[filepath.ToSlash(rel)+" "+fn.Name.Name] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := range found {
		if !listed[k] {
			t.Errorf("fuzz target %s is not in the Makefile's fuzz list", k)
		}
	}
	for k := range listed {
		if !found[k] {
			t.Errorf("the Makefile fuzzes %s, which does not exist", k)
		}
	}
}
