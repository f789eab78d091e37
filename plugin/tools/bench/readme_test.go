package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadme holds what 'make bench' relies on: the README the Makefile
// names exists beside the bench and has the markers the table goes
// between, and a rewrite changes only what lies between them.
func TestReadme(t *testing.T) {
	mk, err := os.ReadFile("../../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\t\$\(GO\) run \./plugin/tools/bench .*-readme (\S+)`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("the Makefile's bench target names no -readme file")
	}
	if got := string(m[1]); got != "plugin/tools/bench/README.md" {
		t.Fatalf("make bench writes its table into %s, not the bench's own README", got)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(t.TempDir(), "README.md")
	if err := os.WriteFile(path, readme, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := rewriteReadme(path, "| new | table |\n"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, orig := string(got), string(readme)
	i, j := strings.Index(orig, startMarker), strings.Index(orig, endMarker)
	want := orig[:i+len(startMarker)] + "\n| new | table |\n" + orig[j:]
	if s != want {
		t.Fatalf("the rewrite changed more than the table:\n%s", s)
	}
}
