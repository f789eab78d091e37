package release

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"
)

// moduleDir is the repository root, from this package's folder.
const moduleDir = "../.."

var (
	buildMu sync.Mutex
	built   = map[string]string{} // version -> release folder
)

// hostRelease builds the host platform's binary for version once per test
// binary (the checks need one platform, not nine).
func hostRelease(t *testing.T, version string) (string, Platform) {
	t.Helper()
	p, ok := Host()
	if !ok {
		t.Skipf("%s/%s is not a CLI platform", runtime.GOOS, runtime.GOARCH)
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	if dir, ok := built[version]; ok {
		return dir, p
	}
	dir, err := os.MkdirTemp("", "kp-token-release")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(moduleDir, dir, version, p); err != nil {
		t.Fatal(err)
	}
	built[version] = dir
	return dir, p
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range built {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

func TestBuildIsReproducible(t *testing.T) {
	dir, p := hostRelease(t, "1.2.3")
	again := t.TempDir()
	if _, err := Build(moduleDir, again, "1.2.3", p); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, p.BinaryName("1.2.3")))
	b, _ := os.ReadFile(filepath.Join(again, p.BinaryName("1.2.3")))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("two builds of one commit differ (%d and %d bytes)", len(a), len(b))
	}
	abs, _ := filepath.Abs(moduleDir)
	if bytes.Contains(a, []byte(abs)) {
		t.Fatal("the binary holds the build folder's path (no -trimpath?)")
	}
}

func TestPlatformTable(t *testing.T) {
	want := map[string]string{
		"darwin/amd64": "kp-token-darwin-amd64-1.0.0", "darwin/arm64": "kp-token-darwin-arm64-1.0.0",
		"linux/386": "kp-token-linux-386-1.0.0", "linux/amd64": "kp-token-linux-amd64-1.0.0",
		"linux/arm64": "kp-token-linux-arm64-1.0.0", "linux/ppc64le": "kp-token-linux-ppc64le-1.0.0",
		"linux/s390x": "kp-token-linux-s390x-1.0.0", "windows/386": "kp-token-windows-386-1.0.0.exe",
		"windows/amd64": "kp-token-windows-amd64-1.0.0.exe",
	}
	names := map[string]bool{}
	for _, p := range Platforms {
		if want[p.GOOS+"/"+p.GOARCH] != p.BinaryName("1.0.0") {
			t.Errorf("%s/%s: %s", p.GOOS, p.GOARCH, p.BinaryName("1.0.0"))
		}
		names[p.Name] = true
	}
	if len(Platforms) != len(want) || len(names) != len(want) {
		t.Fatalf("%d platforms, %d distinct names", len(Platforms), len(names))
	}
	for _, n := range []string{"osx", "osx-arm64", "linux32", "linux64", "linux-arm64", "win32", "win64"} {
		if !names[n] {
			t.Errorf("the CLI's platform %s is missing", n)
		}
	}
}

func testPlugin() Plugin {
	return Plugin{Name: "kp-token", Aliases: []string{}, Description: "Get, refresh and inspect IAM access tokens for Key Protect.",
		Company: "kp-token", Homepage: "https://github.com/kp-token/kp-token",
		Authors: []Author{{Name: "kp-token developers", Homepage: "https://github.com/kp-token/kp-token", Contact: "x"}}}
}

// addHost adds version to repo: the host's real binary, and stand-ins for
// the other platforms so that the index lists all of them.
func addHost(t *testing.T, repo, version, baseURL string) {
	t.Helper()
	dir, host := hostRelease(t, version)
	for _, p := range Platforms {
		if p != host {
			if err := os.WriteFile(filepath.Join(dir, p.BinaryName(version)), []byte("stand-in for "+p.Name), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := AddToRepo(repo, dir, version, baseURL, Platforms, testPlugin(), time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), "2.0.0"); err != nil {
		t.Fatal(err)
	}
}

// readIndex parses bx/list strictly and checks every required field.
func readIndex(t *testing.T, data []byte) Index {
	t.Helper()
	var ix Index
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ix); err != nil {
		t.Fatalf("bx/list does not parse: %v", err)
	}
	if len(ix.Plugins) != 1 {
		t.Fatalf("%d plug-ins", len(ix.Plugins))
	}
	p := ix.Plugins[0]
	if p.Name != "kp-token" || p.Aliases == nil || p.Description == "" || p.Created.IsZero() || p.Updated.IsZero() ||
		p.Company == "" || p.Homepage == "" || len(p.Authors) == 0 || len(p.Versions) == 0 {
		t.Fatalf("plug-in entry lacks a field: %+v", p)
	}
	for _, v := range p.Versions {
		if v.Version == "" || v.MinCLIVersion != "2.0.0" || len(v.Binaries) != len(Platforms) {
			t.Fatalf("version entry: %+v", v)
		}
		for _, b := range v.Binaries {
			if _, ok := ByName(b.Platform); !ok || b.URL == "" || len(b.Checksum) != 40 {
				t.Fatalf("binary entry: %+v", b)
			}
		}
	}
	return ix
}

func TestRepositoryIndex(t *testing.T) {
	repo := t.TempDir()
	addHost(t, repo, "1.2.3", "")
	data, err := os.ReadFile(filepath.Join(repo, "bx", "list"))
	if err != nil {
		t.Fatal(err)
	}
	ix := readIndex(t, data)
	for _, b := range ix.Plugins[0].Versions[0].Binaries {
		// Relative to the index: bx/list -> ../downloads/...
		file := filepath.Join(repo, "bx", filepath.FromSlash(b.URL))
		sums, err := FileSums(file)
		if err != nil || sums.SHA1 != b.Checksum {
			t.Fatalf("%s: %v, checksum %s in the index, %s on disk", b.URL, err, b.Checksum, sums.SHA1)
		}
	}
	t.Run("absolute URLs with a base URL", func(t *testing.T) {
		other := t.TempDir()
		addHost(t, other, "1.2.3", "https://example.com/kp/")
		data, _ := os.ReadFile(filepath.Join(other, "bx", "list"))
		for _, b := range readIndex(t, data).Plugins[0].Versions[0].Binaries {
			if !strings.HasPrefix(b.URL, "https://example.com/kp/downloads/1.2.3/kp-token-") {
				t.Fatalf("URL %s", b.URL)
			}
		}
	})
}

// client does what 'ibmcloud plugin install/update -r REPO' does: it reads
// bx/list over HTTP, picks the newest version's binary for this platform,
// downloads it, checks its SHA-1 and installs it into the plug-in folder.
type client struct {
	t         *testing.T
	repoURL   string
	pluginDir string
}

func (c *client) newest() (Version, Binary) {
	c.t.Helper()
	resp, err := http.Get(c.repoURL + "/bx/list")
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	ix := readIndex(c.t, data)
	host, _ := Host()
	v := ix.Plugins[0].Versions[0]
	for _, b := range v.Binaries {
		if b.Platform == host.Name {
			return v, b
		}
	}
	c.t.Fatalf("Could not find compatible binary for %s", host.Name)
	return Version{}, Binary{}
}

func (c *client) install(b Binary) sdk.PluginMetadata {
	c.t.Helper()
	resp, err := http.Get(b.URL)
	if err != nil || resp.StatusCode != 200 {
		c.t.Fatalf("download %s: %v %v", b.URL, err, resp)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	sum := sha1.Sum(data)
	if hex.EncodeToString(sum[:]) != b.Checksum {
		c.t.Fatal("the download does not match its checksum")
	}
	bin := filepath.Join(c.pluginDir, "kp-token", "kp-token")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command(bin, "SendMetadata")
	cmd.Env = append(os.Environ(), "IBMCLOUD_CONFIG_HOME="+c.t.TempDir(), "LANG=", "LC_ALL=")
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatalf("SendMetadata: %v", err)
	}
	var md sdk.PluginMetadata
	if err := json.Unmarshal(out, &md); err != nil {
		c.t.Fatalf("SendMetadata printed no metadata: %v", err)
	}
	for _, e := range sdk.NewPluginMetadataValidator().Errors([]sdk.PluginMetadata{md})["kp-token"] {
		if e.Priority == sdk.PriorityError || e.Priority == sdk.PriorityWarning {
			c.t.Errorf("validator %s: %s", e.Priority, e.Error)
		}
	}
	return md
}

func TestInstallAndUpdateFromServedRepository(t *testing.T) {
	repo := t.TempDir()
	addHost(t, repo, "1.2.3", "")
	srv := httptest.NewServer(Handler(repo))
	defer srv.Close()
	c := &client{t: t, repoURL: srv.URL, pluginDir: t.TempDir()}

	v, b := c.newest()
	md := c.install(b)
	if md.Version.String() != v.Version || v.Version != "1.2.3" {
		t.Fatalf("the index says %s, the binary %s", v.Version, md.Version)
	}

	// A second version: the earlier one stays, the newest comes first and
	// is offered as an update.
	addHost(t, repo, "1.2.4", "")
	data, _ := os.ReadFile(filepath.Join(repo, "bx", "list"))
	ix := readIndex(t, data)
	if vs := ix.Plugins[0].Versions; len(vs) != 2 || vs[0].Version != "1.2.4" || vs[1].Version != "1.2.3" {
		t.Fatalf("versions: %+v", vs)
	}
	v2, b2 := c.newest()
	if Compare(v2.Version, md.Version.String()) <= 0 {
		t.Fatalf("no update offered: installed %s, newest %s", md.Version, v2.Version)
	}
	if md2 := c.install(b2); md2.Version.String() != "1.2.4" {
		t.Fatalf("updated to %s", md2.Version)
	}
}

// TestCheckTree runs .ci/check-tree (part of 'make test') on repositories
// with and without what a source tree must not hold.
func TestCheckTree(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	script, err := os.ReadFile(filepath.Join(moduleDir, ".ci", "check-tree"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		file  []byte
		mode  os.FileMode
		clean bool
	}{
		{"sources only", []byte("package main\n"), 0o644, true},
		{"a script", []byte("#!/bin/sh\necho hi\n"), 0o755, true},
		{"an ELF executable", append([]byte{0x7f, 'E', 'L', 'F'}, make([]byte, 64)...), 0o644, false},
		{"a Windows executable", append([]byte("MZ"), make([]byte, 64)...), 0o644, false},
		{"executable bit without a script", []byte("data\n"), 0o755, false},
		{"a file over 1 MiB", bytes.Repeat([]byte("x"), 1<<20+1), 0o644, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			git := func(args ...string) {
				cmd := exec.Command("git", args...)
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git %v: %v\n%s", args, err, out)
				}
			}
			git("init", "-q")
			_ = os.MkdirAll(filepath.Join(dir, ".ci"), 0o755)
			_ = os.WriteFile(filepath.Join(dir, ".ci", "check-tree"), script, 0o755)
			_ = os.WriteFile(filepath.Join(dir, "file"), tt.file, tt.mode)
			git("add", "-A")
			out, err := exec.Command("bash", filepath.Join(dir, ".ci", "check-tree")).CombinedOutput()
			if (err == nil) != tt.clean {
				t.Fatalf("check-tree: err %v, want clean=%v\n%s", err, tt.clean, out)
			}
		})
	}
}
