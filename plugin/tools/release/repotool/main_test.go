package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kp-token/kp-token/plugin/tools/release"
)

// tree lists what is under dir, as slash paths.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	return out
}

// TestRefusedBeforeAnythingIsWritten runs the subcommands the Makefile
// runs with values a hostile tag name or a mistyped BASE_URL could give:
// each is refused with the rule it breaks, before any folder is emptied,
// built or written.
func TestRefusedBeforeAnythingIsWritten(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"release, a version that climbs", []string{"release", "-version", "1.2.3-/../../x", "-platforms", "host"}, "VERSION must be a semantic version"},
		{"release, a version with a slash", []string{"release", "-version", "1.2.3/x", "-platforms", "host"}, "VERSION must be a semantic version"},
		{"release, a version with a command", []string{"release", "-version", "1.2.3; touch pwned", "-platforms", "host"}, "VERSION must be a semantic version"},
		{"release, no version", []string{"release", "-platforms", "host"}, "VERSION must be a semantic version"},
		{"release, a bad base URL (make repo runs release first)", []string{"release", "-version", "1.2.3", "-platforms", "host", "-base-url", "ftp://example.com"}, "BASE_URL must be an http:// or https:// URL"},
		{"repo, a version that climbs", []string{"repo", "-version", "1.2.3-/../../x"}, "VERSION must be a semantic version"},
		{"repo, a base URL that is not http(s)", []string{"repo", "-version", "1.2.3", "-base-url", "javascript:alert(1)"}, "BASE_URL must be an http:// or https:// URL"},
		{"repo, a base URL without a scheme", []string{"repo", "-version", "1.2.3", "-base-url", "plugins.example.com"}, "BASE_URL must be an http:// or https:// URL"},
		{"repo, a base URL with a password", []string{"repo", "-version", "1.2.3", "-base-url", "https://u:p@example.com"}, "BASE_URL must be an http:// or https:// URL"},
		{"repo, a base URL with a quote", []string{"repo", "-version", "1.2.3", "-base-url", `https://example.com/"; touch pwned; "`}, "BASE_URL must be an http:// or https:// URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top := t.TempDir()
			rel := filepath.Join(top, "out", "release")
			if err := os.MkdirAll(rel, 0o755); err != nil {
				t.Fatal(err)
			}
			keep := filepath.Join(rel, "kept")
			_ = os.WriteFile(keep, []byte("an earlier release"), 0o644)
			out := rel
			if tt.args[0] == "repo" {
				out = filepath.Join(top, "out", "repo")
			}
			args := append(append([]string{}, tt.args...), "-out", out)
			if tt.args[0] == "repo" {
				args = append(args, "-release", rel)
			}
			err := run(args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
			if got := strings.Join(tree(t, top), " "); got != "out out/release out/release/kept" {
				t.Fatalf("the files are now: %s", got)
			}
		})
	}
}

func TestServeLoopbackOnlyAndItsOwnAddress(t *testing.T) {
	repo := t.TempDir()
	_ = os.MkdirAll(filepath.Join(repo, "bx"), 0o755)
	ix := release.Index{Plugins: []release.Plugin{{Name: "kp-token", Versions: []release.Version{{Version: "1.2.3",
		Binaries: []release.Binary{{Platform: "linux64", URL: "../downloads/1.2.3/kp-token-linux-amd64-1.2.3"}}}}}}}
	b, _ := json.Marshal(ix)
	_ = os.WriteFile(filepath.Join(repo, "bx", "list"), b, 0o644)

	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "localhost:0", "example.com:80", "127.0.0.1:1; touch pwned"} {
		if _, _, err := newServer(repo, addr); err == nil || !strings.Contains(err.Error(), "-addr must be a loopback address") {
			t.Errorf("%s: %v", addr, err)
		}
	}

	srv, ln, err := newServer(repo, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/bx/list", nil)
	req.Host = "rebind.attacker.example:8765"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var got release.Index
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if u := got.Plugins[0].Versions[0].Binaries[0].URL; u != "http://"+ln.Addr().String()+"/downloads/1.2.3/kp-token-linux-amd64-1.2.3" {
		t.Fatalf("the index points at %s", u)
	}
}

// TestReleaseKeepsOtherVersions: 'release' writes out/release/<version>/
// and replaces only that folder, so the earlier versions a repository
// lists keep their binaries.
func TestReleaseKeepsOtherVersions(t *testing.T) {
	host, ok := release.Host()
	if !ok {
		t.Skip("this platform is not one the CLI runs on")
	}
	out := t.TempDir()
	earlier := filepath.Join(out, "0.1.0", host.BinaryName("0.1.0"))
	stale := filepath.Join(out, "0.2.0", "left from an earlier build of 0.2.0")
	for _, f := range []string{earlier, stale} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir("../../../..") // the module, as make runs it
	if err := run([]string{"release", "-version", "0.2.0", "-platforms", "host", "-out", out}); err != nil {
		t.Fatal(err)
	}
	want := "0.1.0 0.1.0/" + host.BinaryName("0.1.0") + " 0.2.0 0.2.0/checksums.txt 0.2.0/" + host.BinaryName("0.2.0")
	if got := strings.Join(tree(t, out), " "); got != want {
		t.Fatalf("the release folder holds\n%s\nwant\n%s", got, want)
	}
	sums, err := os.ReadFile(filepath.Join(out, "0.2.0", "checksums.txt"))
	if err != nil || !strings.Contains(string(sums), "  "+host.BinaryName("0.2.0")+"\n") {
		t.Fatalf("checksums.txt: %v\n%s", err, sums)
	}
}
