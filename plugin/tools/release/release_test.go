package release

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
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
const moduleDir = "../../.."

var (
	buildMu    sync.Mutex
	releaseTop string              // the host builds, each in <releaseTop>/<version>/
	built      = map[string]bool{} // versions built
)

// hostRelease builds the host platform's binary for version once per test
// binary (the checks need one platform, not nine), into <top>/<version>/
// as 'make release' does, and returns top.
func hostRelease(t *testing.T, version string) (string, Platform) {
	t.Helper()
	p, ok := Host()
	if !ok {
		t.Skipf("%s/%s is not a CLI platform", runtime.GOOS, runtime.GOARCH)
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	if releaseTop == "" {
		dir, err := os.MkdirTemp("", "kp-token-release")
		if err != nil {
			t.Fatal(err)
		}
		releaseTop = dir
	}
	if !built[version] {
		dir, err := VersionDir(releaseTop, version)
		if err == nil {
			err = os.MkdirAll(dir, 0o755)
		}
		if err == nil {
			_, err = Build(moduleDir, dir, version, p)
		}
		if err != nil {
			t.Fatal(err)
		}
		built[version] = true
	}
	return releaseTop, p
}

func TestMain(m *testing.M) {
	code := m.Run()
	if releaseTop != "" {
		os.RemoveAll(releaseTop)
	}
	os.Exit(code)
}

func TestBuildIsReproducible(t *testing.T) {
	dir, p := hostRelease(t, "1.2.3")
	again := t.TempDir()
	if _, err := Build(moduleDir, again, "1.2.3", p); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "1.2.3", p.BinaryName("1.2.3")))
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
func addHost(t *testing.T, repo, version, baseURL string) Report {
	t.Helper()
	top, host := hostRelease(t, version)
	for _, p := range Platforms {
		if p != host {
			if err := os.WriteFile(filepath.Join(top, version, p.BinaryName(version)), []byte("stand-in for "+p.Name), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	report, err := AddToRepo(repo, top, version, baseURL, Platforms, testPlugin(), time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), "2.0.0")
	if err != nil {
		t.Fatal(err)
	}
	return report
}

// standIns writes a release of version in top/<version>/ without building:
// a stand-in file per platform, different for each version.
func standIns(t *testing.T, top, version string) {
	t.Helper()
	dir := filepath.Join(top, version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range Platforms {
		if err := os.WriteFile(filepath.Join(dir, p.BinaryName(version)), []byte("kp-token "+version+" for "+p.Name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// addStandIns adds version to repo from the stand-ins in top.
func addStandIns(t *testing.T, repo, top, version, baseURL string) (Report, error) {
	t.Helper()
	return AddToRepo(repo, top, version, baseURL, Platforms, testPlugin(), time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), "2.0.0")
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

// served checks that every binary the index lists is a file of the
// repository with the index's checksum, its URL prefix followed by
// <version>/<binary>: what a client downloading it gets.
func served(t *testing.T, repo string, ix Index, prefix string) {
	t.Helper()
	for _, v := range ix.Plugins[0].Versions {
		for _, b := range v.Binaries {
			p, _ := ByName(b.Platform)
			if want := prefix + v.Version + "/" + p.BinaryName(v.Version); b.URL != want {
				t.Errorf("%s %s: URL %s, want %s", v.Version, b.Platform, b.URL, want)
			}
			sums, err := FileSums(filepath.Join(repo, "downloads", v.Version, p.BinaryName(v.Version)))
			if err != nil || sums.SHA1 != b.Checksum {
				t.Errorf("%s %s: %v, checksum %s in the index, %s on disk", v.Version, b.Platform, err, b.Checksum, sums.SHA1)
			}
		}
	}
}

func indexOf(t *testing.T, repo string) Index {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repo, "bx", "list"))
	if err != nil {
		t.Fatal(err)
	}
	return readIndex(t, data)
}

// TestEveryEntryHasTheSameBase adds versions with and without BASE_URL:
// after each, every entry of the index uses the base given last, and the
// report names the earlier versions that moved.
func TestEveryEntryHasTheSameBase(t *testing.T) {
	top, repo := t.TempDir(), t.TempDir()
	const (
		site   = "https://plugins.example.com/kp-token"
		mirror = "http://127.0.0.1:8080/kp"
	)
	steps := []struct {
		version, base string
		rebased       []string
		prefix        string
	}{
		{"0.1.0", "", nil, "../downloads/"},
		{"0.2.0", site, []string{"0.1.0"}, site + "/downloads/"},
		{"0.3.0-rc.1", site + "/", nil, site + "/downloads/"}, // the same base, written with its slash
		{"0.3.0", mirror, []string{"0.3.0-rc.1", "0.2.0", "0.1.0"}, mirror + "/downloads/"},
		{"0.3.0", "", []string{"0.3.0-rc.1", "0.2.0", "0.1.0"}, "../downloads/"}, // 0.3.0 again, relative
	}
	for _, st := range steps {
		standIns(t, top, st.version)
		report, err := addStandIns(t, repo, top, st.version, st.base)
		if err != nil {
			t.Fatalf("%s: %v", st.version, err)
		}
		if strings.Join(report.Rebased, " ") != strings.Join(st.rebased, " ") || len(report.Restored) != 0 {
			t.Errorf("%s with %q: %+v, want rebased %v", st.version, st.base, report, st.rebased)
		}
		ix := indexOf(t, repo)
		served(t, repo, ix, st.prefix)
		if t.Failed() {
			t.Fatalf("after %s with BASE_URL %q", st.version, st.base)
		}
	}
	var versions []string
	for _, v := range indexOf(t, repo).Plugins[0].Versions {
		versions = append(versions, v.Version)
	}
	if got := strings.Join(versions, " "); got != "0.3.0 0.3.0-rc.1 0.2.0 0.1.0" {
		t.Fatalf("versions %s", got)
	}
}

// TestEarlierVersionsStayServed: an earlier version's binary that went
// missing from the repository, or was altered, comes back from its release
// folder; when no copy matches the index, nothing is written and the error
// says which file and what to do.
func TestEarlierVersionsStayServed(t *testing.T) {
	top, repo := t.TempDir(), t.TempDir()
	for _, v := range []string{"0.1.0", "0.2.0"} {
		standIns(t, top, v)
		if _, err := addStandIns(t, repo, top, v, ""); err != nil {
			t.Fatal(err)
		}
	}
	// Both versions downloadable from the served repository.
	srv := serve(t, repo)
	for _, v := range indexOf(t, repo).Plugins[0].Versions {
		for _, b := range v.Binaries {
			u := srv.URL + "/downloads/" + strings.TrimPrefix(b.URL, "../downloads/")
			code, body := get(t, http.MethodGet, u, "")
			sum := sha1.Sum(body)
			if code != 200 || hex.EncodeToString(sum[:]) != b.Checksum {
				t.Fatalf("GET %s: %d, checksum %x, want %s", u, code, sum, b.Checksum)
			}
		}
	}

	linux, _ := ByName("linux64")
	win, _ := ByName("win64")
	gone := filepath.Join(repo, "downloads", "0.1.0", linux.BinaryName("0.1.0"))
	altered := filepath.Join(repo, "downloads", "0.1.0", win.BinaryName("0.1.0"))
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(altered, []byte("not what was released"), 0o755); err != nil {
		t.Fatal(err)
	}
	standIns(t, top, "0.3.0")
	report, err := addStandIns(t, repo, top, "0.3.0", "")
	if err != nil {
		t.Fatal(err)
	}
	want := "downloads/0.1.0/" + linux.BinaryName("0.1.0") + " downloads/0.1.0/" + win.BinaryName("0.1.0")
	if got := strings.Join(report.Restored, " "); got != want || len(report.Rebased) != 0 {
		t.Fatalf("report %+v, want restored %s", report, want)
	}
	served(t, repo, indexOf(t, repo), "../downloads/")

	// No copy left anywhere: refused before anything is written.
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(top, "0.1.0")); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(repo, "bx", "list"))
	standIns(t, top, "0.4.0")
	_, err = addStandIns(t, repo, top, "0.4.0", "https://plugins.example.com/kp-token")
	if err == nil || !strings.Contains(err.Error(), gone+", listed in bx/list for version 0.1.0, is missing or differs from its checksum") ||
		!strings.Contains(err.Error(), "remove version 0.1.0 from bx/list") {
		t.Fatalf("err %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(repo, "bx", "list"))
	if !bytes.Equal(before, after) {
		t.Fatal("the index changed")
	}
	if _, err := os.Stat(filepath.Join(repo, "downloads", "0.4.0")); err == nil {
		t.Fatal("0.4.0's binaries were copied")
	}
}

// TestUnknownEntriesRefused: an index entry kp-token could not have
// written is not rewritten, the run stops and says what to remove.
func TestUnknownEntriesRefused(t *testing.T) {
	top, repo := t.TempDir(), t.TempDir()
	standIns(t, top, "0.1.0")
	standIns(t, top, "0.2.0")
	if _, err := addStandIns(t, repo, top, "0.1.0", ""); err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(repo, "bx", "list")
	orig, _ := os.ReadFile(list)
	tests := []struct {
		name, from, to, want string
	}{
		{"a platform", `"platform": "linux64"`, `"platform": "plan9"`, `lists platform "plan9" for version 0.1.0, which kp-token does not build`},
		{"a version", `"version": "0.1.0"`, `"version": "0.1.0/../../x"`, `lists version "0.1.0/../../x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edited := bytes.Replace(orig, []byte(tt.from), []byte(tt.to), 1)
			if bytes.Equal(edited, orig) {
				t.Fatalf("%s not in the index", tt.from)
			}
			_ = os.WriteFile(list, edited, 0o644)
			if _, err := addStandIns(t, repo, top, "0.2.0", ""); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
			if now, _ := os.ReadFile(list); !bytes.Equal(now, edited) {
				t.Fatal("the index was rewritten")
			}
		})
	}
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
	v := c.index().Plugins[0].Versions[0]
	return v, c.binary(v)
}

// version is this platform's binary of version v.
func (c *client) version(v string) Binary {
	c.t.Helper()
	for _, ver := range c.index().Plugins[0].Versions {
		if ver.Version == v {
			return c.binary(ver)
		}
	}
	c.t.Fatalf("version %s is not in the index", v)
	return Binary{}
}

func (c *client) binary(v Version) Binary {
	c.t.Helper()
	host, _ := Host()
	for _, b := range v.Binaries {
		if b.Platform == host.Name {
			return b
		}
	}
	c.t.Fatalf("Could not find compatible binary for %s", host.Name)
	return Binary{}
}

func (c *client) index() Index {
	c.t.Helper()
	resp, err := http.Get(c.repoURL + "/bx/list")
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return readIndex(c.t, data)
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

// serve serves repo the way 'repotool serve' does: URLs in the index are
// built from the address the server listens on.
func serve(t *testing.T, repo string) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.Handler = Handler(repo, &url.URL{Scheme: "http", Host: srv.Listener.Addr().String()})
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func TestInstallAndUpdateFromServedRepository(t *testing.T) {
	repo := t.TempDir()
	addHost(t, repo, "1.2.3", "")
	srv := serve(t, repo)
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

	// The earlier version is still served: a user who goes back to it
	// ('ibmcloud plugin install kp-token -r REPO -v 1.2.3') gets it.
	if md3 := c.install(c.version("1.2.3")); md3.Version.String() != "1.2.3" {
		t.Fatalf("installed %s, want 1.2.3", md3.Version)
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

func TestCheckVersion(t *testing.T) {
	for _, v := range []string{"0.0.0", "1.2.3", "10.20.30", "1.2.3-rc.1", "1.0.0-0A.is.legal",
		"1.2.3-alpha-beta.7+build.5", "1.2.3+sha.5114f85", "1.0.0-x-y-z.--"} {
		if err := CheckVersion(v); err != nil {
			t.Errorf("%q refused: %v", v, err)
		}
	}
	for _, v := range []string{"", "1", "1.2", "1.2.3.4", "v1.2.3", "01.2.3", "1.02.3", "1.2.3-", "1.2.3+",
		"1.2.3-01", "1.2.3-a..b", "1.2.3-/../../x", "1.2.3-..", "1.2.3/x", "1.2.3+a/b", "1.2.3-a_b",
		"1.2.3 ", " 1.2.3", "1.2.3\n", "1.2.3;touch x", "1.2.3-$(id)", "1.2.3-é"} {
		err := CheckVersion(v)
		if err == nil || !strings.Contains(err.Error(), "VERSION must be a semantic version, MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]") {
			t.Errorf("%q: %v", v, err)
		}
	}
}

// TestCompare: the index lists versions newest first by semver.org's
// precedence (its own example, then numbers past 9 and build metadata).
func TestCompare(t *testing.T) {
	order := []string{"0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "1.10.0", "2.0.0", "10.0.0", "18446744073709551616.0.0"}
	for i := range order {
		for j := range order {
			if got, want := Compare(order[i], order[j]), cmpInt(i, j); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", order[i], order[j], got, want)
			}
		}
	}
	for _, eq := range [][2]string{{"1.2.3+build.1", "1.2.3+build.2"}, {"v1.2.3", "1.2.3"}, {"1.2.3-rc.1+x", "1.2.3-rc.1"}} {
		if Compare(eq[0], eq[1]) != 0 {
			t.Errorf("%s and %s differ", eq[0], eq[1])
		}
	}
}

func TestCheckBaseURL(t *testing.T) {
	for _, u := range []string{"", "https://plugins.example.com/kp-token", "https://plugins.example.com/kp-token/",
		"http://127.0.0.1:8765", "https://[::1]:8443/repo", "HTTPS://example.com"} {
		if err := CheckBaseURL(u); err != nil {
			t.Errorf("%q refused: %v", u, err)
		}
	}
	for _, u := range []string{"example.com", "/kp-token", "ftp://example.com", "file:///tmp/repo", "javascript:alert(1)",
		"https://", "https://:443/x", "https://user:secret@example.com", "https://example.com/?a=b", "https://example.com/#x",
		"https://example.com/a b", "https://example.com/\"; touch pwned", "https://example.com/\nx", `https:\\example.com`,
		"https:example.com", "https://example.com:port"} {
		err := CheckBaseURL(u)
		if err == nil || !strings.Contains(err.Error(), "BASE_URL must be an http:// or https:// URL") {
			t.Errorf("%q: %v", u, err)
		}
	}
}

// files lists what is under dir, as slash paths.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestHostileVersionWritesNothing(t *testing.T) {
	host, ok := Host()
	if !ok {
		t.Skipf("%s/%s is not a CLI platform", runtime.GOOS, runtime.GOARCH)
	}
	for _, v := range []string{"1.2.3-/../../x", "1.2.3-/../../../x", "1.2.3/../../x", "/tmp/x"} {
		top := t.TempDir()
		out := filepath.Join(top, "out", "release")
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := Build(moduleDir, out, v, host); err == nil {
			t.Errorf("Build accepted %q", v)
		}
		repo := filepath.Join(top, "out", "repo")
		if _, err := AddToRepo(repo, out, v, "", []Platform{host}, testPlugin(), time.Now(), "2.0.0"); err == nil {
			t.Errorf("AddToRepo accepted %q", v)
		}
		if got := files(t, top); strings.Join(got, " ") != "out out/release" {
			t.Errorf("%q left %v", v, got)
		}
	}
}

func TestAddToRepoStaysInItsFolders(t *testing.T) {
	host, ok := Host()
	if !ok {
		t.Skipf("%s/%s is not a CLI platform", runtime.GOOS, runtime.GOARCH)
	}
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	name := host.BinaryName("1.2.3")
	t.Run("a bad base URL", func(t *testing.T) {
		top := t.TempDir()
		rel := filepath.Join(top, "release")
		_ = os.MkdirAll(filepath.Join(rel, "1.2.3"), 0o755)
		_ = os.WriteFile(filepath.Join(rel, "1.2.3", name), []byte("binary"), 0o755)
		_, err := AddToRepo(filepath.Join(top, "repo"), rel, "1.2.3", "https://example.com/?x=\"", []Platform{host}, testPlugin(), time.Now(), "2.0.0")
		if err == nil || strings.Join(files(t, top), " ") != "release release/1.2.3 release/1.2.3/"+name {
			t.Fatalf("err %v, files %v", err, files(t, top))
		}
	})
	t.Run("a link in the repository to a folder outside", func(t *testing.T) {
		top := t.TempDir()
		rel, repo, elsewhere := filepath.Join(top, "release"), filepath.Join(top, "repo"), filepath.Join(top, "elsewhere")
		for _, d := range []string{filepath.Join(rel, "1.2.3"), repo, elsewhere} {
			_ = os.MkdirAll(d, 0o755)
		}
		_ = os.WriteFile(filepath.Join(rel, "1.2.3", name), []byte("binary"), 0o755)
		if err := os.Symlink(elsewhere, filepath.Join(repo, "downloads")); err != nil {
			t.Fatal(err)
		}
		if _, err := AddToRepo(repo, rel, "1.2.3", "", []Platform{host}, testPlugin(), time.Now(), "2.0.0"); err == nil {
			t.Fatal("written through the link")
		}
		if got := files(t, elsewhere); len(got) != 0 {
			t.Fatalf("written outside the repository: %v", got)
		}
	})
	t.Run("a link in the release folder to a file outside", func(t *testing.T) {
		top := t.TempDir()
		rel, repo := filepath.Join(top, "release"), filepath.Join(top, "repo")
		_ = os.MkdirAll(filepath.Join(rel, "1.2.3"), 0o755)
		_ = os.WriteFile(filepath.Join(top, "secret"), []byte("not a release"), 0o600)
		if err := os.Symlink(filepath.Join(top, "secret"), filepath.Join(rel, "1.2.3", name)); err != nil {
			t.Fatal(err)
		}
		if _, err := AddToRepo(repo, rel, "1.2.3", "", []Platform{host}, testPlugin(), time.Now(), "2.0.0"); err == nil {
			t.Fatalf("copied from outside the release folder: %v", files(t, repo))
		}
	})
}

// smallRepo is a repository with one binary and its index, written by hand:
// what the server does with files needs no real build.
func smallRepo(t *testing.T) string {
	t.Helper()
	repo := t.TempDir()
	_ = os.MkdirAll(filepath.Join(repo, "bx"), 0o755)
	_ = os.MkdirAll(filepath.Join(repo, "downloads", "1.2.3"), 0o755)
	if err := os.WriteFile(filepath.Join(repo, "downloads", "1.2.3", "kp-token-linux-amd64-1.2.3"), []byte("the binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	ix := Index{Plugins: []Plugin{{Name: "kp-token", Versions: []Version{{Version: "1.2.3", Binaries: []Binary{
		{Platform: "linux64", URL: "../downloads/1.2.3/kp-token-linux-amd64-1.2.3"},
		{Platform: "win64", URL: "https://example.com/kp-token.exe"},
	}}}}}}
	b, _ := json.Marshal(ix)
	if err := os.WriteFile(filepath.Join(repo, "bx", "list"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return repo
}

func get(t *testing.T, method, u, host string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestServeIgnoresTheHostHeader(t *testing.T) {
	srv := serve(t, smallRepo(t))
	for _, host := range []string{"", "rebind.attacker.example", "rebind.attacker.example:8765", "evil.example/x?"} {
		code, body := get(t, http.MethodGet, srv.URL+"/bx/list", host)
		var ix Index
		if code != 200 || json.Unmarshal(body, &ix) != nil {
			t.Fatalf("Host %q: %d %s", host, code, body)
		}
		bins := ix.Plugins[0].Versions[0].Binaries
		if bins[0].URL != srv.URL+"/downloads/1.2.3/kp-token-linux-amd64-1.2.3" || bins[1].URL != "https://example.com/kp-token.exe" {
			t.Fatalf("Host %q: URLs %+v", host, bins)
		}
	}
}

func TestServeRegularFilesOnly(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	repo := smallRepo(t)
	outside := t.TempDir()
	_ = os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o600)
	links := map[string]string{
		"downloads/1.2.3/to-binary":  "kp-token-linux-amd64-1.2.3", // a file inside the folder
		"downloads/to-version":       "1.2.3",                      // a folder inside
		"downloads/1.2.3/to-outside": filepath.Join(outside, "secret"),
		"downloads/outside":          outside,
	}
	for link, target := range links {
		if err := os.Symlink(target, filepath.Join(repo, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	srv := serve(t, repo)
	tests := []struct {
		path string
		code int
		body string
	}{
		{"/downloads/1.2.3/kp-token-linux-amd64-1.2.3", 200, "the binary"},
		{"/downloads/1.2.3/to-binary", 404, ""},
		{"/downloads/to-version/kp-token-linux-amd64-1.2.3", 404, ""},
		{"/downloads/1.2.3/to-outside", 404, ""},
		{"/downloads/outside/secret", 404, ""},
		{"/downloads/1.2.3/", 404, ""}, // no listings
		{"/downloads", 404, ""},
		{"/", 404, ""},
		{"/../" + filepath.Base(outside) + "/secret", 404, ""},
		{"/downloads/%2e%2e/%2e%2e/bx/list", 404, ""},
		{"/downloads/1.2.3/..%5c..%5cbx%5clist", 404, ""},
	}
	for _, tt := range tests {
		code, body := get(t, http.MethodGet, srv.URL+tt.path, "")
		if code != tt.code || (tt.body != "" && string(body) != tt.body) || strings.Contains(string(body), "secret") {
			t.Errorf("GET %s: %d %q, want %d", tt.path, code, body, tt.code)
		}
	}
	if code, _ := get(t, http.MethodPost, srv.URL+"/bx/list", ""); code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", code)
	}

	// The index itself as a link, even to a copy inside the folder.
	list := filepath.Join(repo, "bx", "list")
	_ = os.Rename(list, filepath.Join(repo, "list.json"))
	if err := os.Symlink("../list.json", list); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, http.MethodGet, srv.URL+"/bx/list", ""); code != 404 {
		t.Errorf("bx/list as a link: %d %s", code, body)
	}
}

// TestMakefilePassesValuesLiterally runs the Makefile's targets, in a copy,
// with VERSION, BASE_URL, PORT and COMMIT values that try to run 'touch
// pwned' through make or the shell. GO is a stand-in that records its
// arguments, so the test checks what the tools would get: each value as
// one argument, unchanged, and nothing run.
func TestMakefilePassesValuesLiterally(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in go is a shell script")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	mk, err := os.ReadFile(filepath.Join(moduleDir, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	buildTool := []string{"build", "-o", "out/tools/repotool", "./plugin/tools/release/repotool"}
	tool := func(args ...string) []string { return append([]string{"out/tools/repotool"}, args...) }
	const (
		semi     = "1.2.3; touch pwned"
		ifs      = "1.2.3;touch${IFS}pwned"
		quote    = "1.2.3'; touch pwned; '"
		makeCall = "$(shell touch pwned)"
		subst    = "`touch pwned`$(touch pwned)$$(touch pwned)"
	)
	ldflags := func(v, c string) string {
		return "-s -w -X github.com/kp-token/kp-token/plugin/kptoken.Version=" + v + " -X github.com/kp-token/kp-token/plugin/kptoken.Commit=" + c
	}
	tests := []struct {
		name  string
		args  []string
		env   []string
		fails bool
		calls [][]string // what go is run with, in order
	}{
		{"release, ';'", []string{"release", "VERSION=" + semi}, nil, false,
			[][]string{buildTool, tool("release", "-version", semi, "-out", "out/release", "-base-url", "")}},
		{"release, ';' and IFS", []string{"release", "VERSION=" + ifs}, nil, false,
			[][]string{buildTool, tool("release", "-version", ifs, "-out", "out/release", "-base-url", "")}},
		{"release, quotes", []string{"release", "VERSION=" + quote}, nil, false,
			[][]string{buildTool, tool("release", "-version", quote, "-out", "out/release", "-base-url", "")}},
		{"release, make's $(shell)", []string{"release", "VERSION=" + makeCall}, nil, false,
			[][]string{buildTool, tool("release", "-version", makeCall, "-out", "out/release", "-base-url", "")}},
		{"release, make's $(shell), dry run", []string{"-n", "release", "VERSION=" + makeCall}, nil, false, nil},
		{"release, shell substitutions", []string{"release", "VERSION=" + subst}, nil, false,
			[][]string{buildTool, tool("release", "-version", subst, "-out", "out/release", "-base-url", "")}},
		{"release, from the environment", []string{"release"}, []string{"VERSION=" + semi}, false,
			[][]string{buildTool, tool("release", "-version", semi, "-out", "out/release", "-base-url", "")}},
		{"repo, BASE_URL", []string{"repo", "VERSION=1.2.3", `BASE_URL=https://x/"; touch pwned; "` + subst}, nil, false,
			[][]string{buildTool, tool("release", "-version", "1.2.3", "-out", "out/release", "-base-url", `https://x/"; touch pwned; "`+subst),
				tool("repo", "-version", "1.2.3", "-release", "out/release", "-out", "out/repo", "-base-url", `https://x/"; touch pwned; "`+subst)}},
		{"repo, BASE_URL with make's $(shell)", []string{"repo", "VERSION=1.2.3", "BASE_URL=" + makeCall}, nil, false,
			[][]string{buildTool, tool("release", "-version", "1.2.3", "-out", "out/release", "-base-url", makeCall),
				tool("repo", "-version", "1.2.3", "-release", "out/release", "-out", "out/repo", "-base-url", makeCall)}},
		{"repo, no BASE_URL", []string{"repo", "VERSION=1.2.3"}, nil, false,
			[][]string{buildTool, tool("release", "-version", "1.2.3", "-out", "out/release", "-base-url", ""),
				tool("repo", "-version", "1.2.3", "-release", "out/release", "-out", "out/repo", "-base-url", "")}},
		{"repo-serve, PORT", []string{"repo-serve", "PORT=1; touch pwned"}, nil, false,
			[][]string{buildTool, tool("serve", "-dir", "out/repo", "-addr", "127.0.0.1:1; touch pwned")}},
		{"build", []string{"build", "VERSION=1.2.3-rc.1+b.5", "COMMIT=abc1234"}, nil, false,
			[][]string{{"build", "-trimpath", "-ldflags", ldflags("1.2.3-rc.1+b.5", "abc1234"), "-o", "bin/kp-token", "."}}},
		{"build, a version that adds linker flags", []string{"build", "VERSION=1.2.3 -X a=b", "COMMIT=abc1234"}, nil, true, nil},
		{"build, a commit with a command", []string{"build", "VERSION=1.2.3", "COMMIT=" + semi}, nil, true, nil},
		{"build, a version with make's $(shell)", []string{"build", "VERSION=" + makeCall, "COMMIT=abc1234"}, nil, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not t.TempDir: the test's name, with its quotes and $, would
			// be in the path of the stand-in.
			dir, err := os.MkdirTemp("", "kp-token-make")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			if err := os.WriteFile(filepath.Join(dir, "Makefile"), mk, 0o644); err != nil {
				t.Fatal(err)
			}
			log := filepath.Join(dir, "go.log")
			fake := filepath.Join(dir, "fake-go")
			// Built as repotool, the stand-in records the tool's arguments.
			script := `#!/bin/sh
[ "$1" = env ] && { echo linux; exit 0; }
case "$0" in out/tools/repotool | */out/tools/repotool) set -- out/tools/repotool "$@";; esac
printf '%s\0' "$@" >>"$FAKE_GO_LOG"
printf '\036\0' >>"$FAKE_GO_LOG"
if [ "$1" = build ] && [ "$2" = -o ] && [ "$4" = ./plugin/tools/release/repotool ]; then
  mkdir -p "$(dirname "$3")" && cp "$0" "$3"
fi
exit 0
`
			if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("make", append([]string{"-s", "GO=" + fake}, tt.args...)...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "FAKE_GO_LOG="+log, "MAKEFLAGS=", "VERSION=", "BASE_URL=", "PORT=", "COMMIT=")
			cmd.Env = append(cmd.Env, tt.env...)
			out, err := cmd.CombinedOutput()
			if (err != nil) != tt.fails {
				t.Fatalf("make: %v, want failure %v\n%s", err, tt.fails, out)
			}
			if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
				t.Fatalf("a value ran a command\n%s", out)
			}
			data, _ := os.ReadFile(log)
			var calls [][]string
			var call []string
			args := strings.Split(string(data), "\x00")
			for _, a := range args[:len(args)-1] {
				switch a {
				case "\x1e":
					calls, call = append(calls, call), nil
				default:
					call = append(call, a)
				}
			}
			if fmt.Sprintf("%q", calls) != fmt.Sprintf("%q", tt.calls) {
				t.Fatalf("go was run with\n%q\nwant\n%q\n%s", calls, tt.calls, out)
			}
		})
	}
}
