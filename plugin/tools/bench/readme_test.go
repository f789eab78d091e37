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
	i := strings.Index(orig, "\n"+startMarker+"\n") + 1
	j := strings.Index(orig, "\n"+endMarker+"\n") + 1
	if i == 0 || j == 0 {
		t.Fatal("the README has no marker lines of their own")
	}
	want := orig[:i+len(startMarker)] + "\n| new | table |\n" + orig[j:]
	if s != want {
		t.Fatalf("the rewrite changed more than the table:\n%s", s)
	}
}

// TestRewriteSkipsQuotedMarkers: a marker quoted inside a sentence is not
// the section (the bench once wrote its table into the README's prose).
func TestRewriteSkipsQuotedMarkers(t *testing.T) {
	tests := []struct {
		name, in, want string
		fails          bool
	}{
		{"quoted before the section",
			"rewrites between `" + startMarker + "` and `" + endMarker + "` markers.\n" + startMarker + "\nold\n" + endMarker + "\ntail\n",
			"rewrites between `" + startMarker + "` and `" + endMarker + "` markers.\n" + startMarker + "\nNEW\n" + endMarker + "\ntail\n", false},
		{"only quoted", "see `" + startMarker + "` ... `" + endMarker + "`\n", "", true},
		{"end before start", endMarker + "\n" + startMarker + "\n", "", true},
		{"last line without a line break", startMarker + "\nold\n" + endMarker, startMarker + "\nNEW\n" + endMarker, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "README.md")
			if err := os.WriteFile(path, []byte(tt.in), 0o600); err != nil {
				t.Fatal(err)
			}
			err := rewriteReadme(path, "NEW\n")
			if tt.fails {
				if err == nil {
					t.Fatal("rewrote a README with no marker lines")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
