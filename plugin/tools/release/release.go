// Package release builds kp-token for every platform the IBM Cloud CLI
// runs on and writes the plug-in repository index ('bx/list') that
// 'ibmcloud plugin repo-add' and 'ibmcloud plugin install -r' read.
package release

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"time"
)

// semver is the grammar of semver.org 2.0.0 (its own regular expression):
// MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], no leading zeros, no empty
// identifier. A version is part of file names and URLs, so nothing else
// (no '/', no '..', no space) may pass.
var semver = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// CheckVersion refuses a version that is not semantic.
func CheckVersion(v string) error {
	if !semver.MatchString(v) {
		return fmt.Errorf("VERSION must be a semantic version, MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] (https://semver.org), such as 1.2.3 or 1.2.3-rc.1; not %q", v)
	}
	return nil
}

// CheckBaseURL refuses a repository address that is not a plain http(s)
// URL: the binary URLs are built by appending to it, and the index is
// public, so it may hold no credentials, query or fragment. Empty means
// relative URLs.
func CheckBaseURL(s string) error {
	if s == "" {
		return nil
	}
	spaced := strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' })
	u, err := url.Parse(s)
	bad := spaced || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" ||
		u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != ""
	if bad {
		return fmt.Errorf("BASE_URL must be an http:// or https:// URL with a host and no user, query or fragment, such as https://plugins.example.com/kp-token; not %q", s)
	}
	return nil
}

// inside joins dir and a file name that must stay in dir: a name that is
// absolute, climbs with '..' or holds a separator is refused.
func inside(dir, name string) (string, error) {
	if name == "" || !filepath.IsLocal(name) || filepath.Base(name) != name {
		return "", fmt.Errorf("%q would be written outside %s", name, dir)
	}
	return filepath.Join(dir, name), nil
}

// Platform is a Go target and the CLI's name for it.
type Platform struct {
	GOOS, GOARCH string
	// Name is the platform in the repository index. The ppc64le and s390x
	// names are unverified (no primary source); they are the forms the
	// other names suggest, kept here so that one edit changes them.
	Name string
}

// Platforms are the CLI's platforms, in one table.
var Platforms = []Platform{
	{"darwin", "amd64", "osx"},
	{"darwin", "arm64", "osx-arm64"},
	{"linux", "386", "linux32"},
	{"linux", "amd64", "linux64"},
	{"linux", "arm64", "linux-arm64"},
	{"linux", "ppc64le", "linux-ppc64le"},
	{"linux", "s390x", "linux-s390x"},
	{"windows", "386", "win32"},
	{"windows", "amd64", "win64"},
}

// Host is the platform of the running process, if the CLI has it.
func Host() (Platform, bool) {
	for _, p := range Platforms {
		if p.GOOS == runtime.GOOS && p.GOARCH == runtime.GOARCH {
			return p, true
		}
	}
	return Platform{}, false
}

// ByName finds a platform by its index name.
func ByName(name string) (Platform, bool) {
	for _, p := range Platforms {
		if p.Name == name {
			return p, true
		}
	}
	return Platform{}, false
}

// BinaryName is kp-token-<os>-<arch>-<version>[.exe].
func (p Platform) BinaryName(version string) string {
	n := "kp-token-" + p.GOOS + "-" + p.GOARCH + "-" + version
	if p.GOOS == "windows" {
		n += ".exe"
	}
	return n
}

// VersionVar is the variable the version is stamped into.
const VersionVar = "github.com/kp-token/kp-token/plugin/kptoken.Version"

// CommitVar is the variable the commit is stamped into.
const CommitVar = "github.com/kp-token/kp-token/plugin/kptoken.Commit"

// Build compiles the plug-in in moduleDir for p into outDir, reproducibly:
// no cgo, no file system paths, no build ID, stripped, the version stamped.
// Two builds of one commit give the same bytes.
func Build(moduleDir, outDir, version string, p Platform) (string, error) {
	if err := CheckVersion(version); err != nil {
		return "", err
	}
	out, err := inside(outDir, p.BinaryName(version))
	if err != nil {
		return "", err
	}
	out, err = filepath.Abs(out)
	if err != nil {
		return "", err
	}
	ldflags := "-s -w -buildid= -X " + VersionVar + "=" + version
	git := exec.Command("git", "rev-parse", "--short", "HEAD")
	git.Dir = moduleDir
	if commit, err := git.Output(); err == nil {
		ldflags += " -X " + CommitVar + "=" + strings.TrimSpace(string(commit))
	}
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", out, ".")
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.GOOS, "GOARCH="+p.GOARCH, "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building %s/%s: %v\n%s", p.GOOS, p.GOARCH, err, b)
	}
	return out, nil
}

// Sums are a file's checksums.
type Sums struct{ SHA1, SHA256 string }

// FileSums hashes a file.
func FileSums(file string) (Sums, error) {
	f, err := os.Open(file)
	if err != nil {
		return Sums{}, err
	}
	defer f.Close()
	return sums(f)
}

// WriteChecksums writes checksums.txt: SHA-1 lines (what the CLI checks),
// then SHA-256 lines, each block in the format sha1sum -c and sha256sum -c
// read once the comment lines are dropped.
func WriteChecksums(dir string, names []string) error {
	var b1, b256 strings.Builder
	sort.Strings(names)
	for _, n := range names {
		s, err := FileSums(filepath.Join(dir, n))
		if err != nil {
			return err
		}
		fmt.Fprintf(&b1, "%s  %s\n", s.SHA1, n)
		fmt.Fprintf(&b256, "%s  %s\n", s.SHA256, n)
	}
	doc := "# SHA-1 (what 'ibmcloud plugin install' checks)\n" + b1.String() + "# SHA-256\n" + b256.String()
	return os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(doc), 0o644)
}

// Index is the repository's bx/list document.
type Index struct {
	Plugins []Plugin `json:"plugins"`
}

// Plugin is one plug-in of the index.
type Plugin struct {
	Name        string    `json:"name"`
	Aliases     []string  `json:"aliases"`
	Description string    `json:"description"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	Company     string    `json:"company"`
	Homepage    string    `json:"homepage"`
	Authors     []Author  `json:"authors"`
	Versions    []Version `json:"versions"`
}

// Author of a plug-in.
type Author struct {
	Name     string `json:"name"`
	Homepage string `json:"homepage"`
	Contact  string `json:"contact"`
}

// Version is one released version.
type Version struct {
	Version       string    `json:"version"`
	Updated       time.Time `json:"updated"`
	DocURL        string    `json:"doc_url"`
	MinCLIVersion string    `json:"min_cli_version"`
	Binaries      []Binary  `json:"binaries"`
}

// Binary is one platform's download.
type Binary struct {
	Platform string `json:"platform"`
	URL      string `json:"url"`
	Checksum string `json:"checksum"`
}

// Add puts version v of plug-in p into the index: other plug-ins and other
// versions stay (so the repository keeps serving updates), the same
// version is replaced, versions are sorted newest first.
func (ix *Index) Add(p Plugin, v Version) {
	for i := range ix.Plugins {
		if ix.Plugins[i].Name != p.Name {
			continue
		}
		old := ix.Plugins[i]
		if !old.Created.IsZero() {
			p.Created = old.Created
		}
		var keep []Version
		for _, ov := range old.Versions {
			if ov.Version != v.Version {
				keep = append(keep, ov)
			}
		}
		p.Versions = append(keep, v)
		sortVersions(p.Versions)
		ix.Plugins[i] = p
		return
	}
	p.Versions = []Version{v}
	ix.Plugins = append(ix.Plugins, p)
}

func sortVersions(vs []Version) {
	sort.SliceStable(vs, func(i, j int) bool { return Compare(vs[i].Version, vs[j].Version) > 0 })
}

// Compare orders versions by semver.org's precedence (-1, 0, 1):
// MAJOR.MINOR.PATCH numerically, a pre-release before its release
// (1.2.3-rc.1 < 1.2.3), pre-release identifiers one by one (numbers
// numerically and before words), build metadata ignored.
func Compare(a, b string) int {
	coreA, preA := split(a)
	coreB, preB := split(b)
	for i := 0; i < 3; i++ {
		if c := compareIdent(coreA[i], coreB[i]); c != 0 {
			return c
		}
	}
	switch {
	case preA == nil && preB == nil:
		return 0
	case preA == nil:
		return 1
	case preB == nil:
		return -1
	}
	for i := 0; i < len(preA) && i < len(preB); i++ {
		if c := compareIdent(preA[i], preB[i]); c != 0 {
			return c
		}
	}
	return cmpInt(len(preA), len(preB))
}

// split parses [v]MAJOR.MINOR.PATCH[-PRE][+BUILD] into its core and its
// pre-release identifiers (nil: none).
func split(v string) (core [3]string, pre []string) {
	v = strings.TrimPrefix(v, "v")
	v, _, _ = strings.Cut(v, "+")
	v, p, hasPre := strings.Cut(v, "-")
	for i, s := range strings.SplitN(v, ".", 3) {
		core[i] = s
	}
	if hasPre {
		pre = strings.Split(p, ".")
	}
	return core, pre
}

// compareIdent compares two identifiers: numbers numerically (without
// converting them, so any length works), a number before a word, words
// in ASCII order.
func compareIdent(a, b string) int {
	na, nb := numeric(a), numeric(b)
	switch {
	case na && nb:
		a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if c := cmpInt(len(a), len(b)); c != 0 {
			return c
		}
	case na:
		return -1
	case nb:
		return 1
	}
	return strings.Compare(a, b)
}

func numeric(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// DownloadPath is where a binary lives in the repository, relative to its
// root.
func DownloadPath(version, binary string) string {
	return path.Join("downloads", version, binary)
}

// BinaryURL is the index URL of a binary: absolute under baseURL, else
// relative to the index (bx/list).
func BinaryURL(baseURL, version, binary string) string {
	rel := DownloadPath(version, binary)
	if baseURL == "" {
		return "../" + rel
	}
	return strings.TrimSuffix(baseURL, "/") + "/" + rel
}

// VersionDir is the folder of one version's release binaries and
// checksums, <releaseDir>/<version>: each version keeps its own, so a
// repository can always be given back the files its index lists.
func VersionDir(releaseDir, version string) (string, error) {
	if err := CheckVersion(version); err != nil {
		return "", err
	}
	return inside(releaseDir, version)
}

// Report is what AddToRepo did to the versions already in the index.
type Report struct {
	// Rebased are the earlier versions whose binary URLs now use the base
	// URL given (or became relative).
	Rebased []string
	// Restored are repository files that were missing or altered and were
	// copied back from the release folder (they match the index again).
	Restored []string
}

// AddToRepo copies the release binaries of version for platforms from
// releaseDir/<version>/ into repoDir/downloads/<version>/ and adds the
// version to repoDir/bx/list, keeping the versions the index already held.
//
// Every entry of the index ends up on the same base: the earlier versions'
// URLs are rewritten to baseURL (or made relative), so a repository never
// mixes relative URLs with absolute ones. And every entry points at a file
// that is there with the index's checksum: a missing or altered earlier
// binary is copied back from releaseDir/<its version>/ when that copy
// matches, and is an error otherwise, before anything is written.
//
// Every file is opened through an os.Root, so nothing is read from outside
// releaseDir or written outside repoDir, whatever links the folders hold;
// binaries and the index are written under a temporary name and renamed,
// so a server reading the repository meanwhile never sees half a file.
func AddToRepo(repoDir, releaseDir, version, baseURL string, platforms []Platform, p Plugin, updated time.Time, minCLI string) (Report, error) {
	var report Report
	if err := CheckVersion(version); err != nil {
		return report, err
	}
	if err := CheckBaseURL(baseURL); err != nil {
		return report, err
	}
	rel, err := os.OpenRoot(releaseDir)
	if err != nil {
		return report, fmt.Errorf("%s: build the release for version %s first (%w)", releaseDir, version, err)
	}
	defer rel.Close()
	if err := os.MkdirAll(repoDir, 0o755); err != nil {
		return report, err
	}
	repo, err := os.OpenRoot(repoDir)
	if err != nil {
		return report, err
	}
	defer repo.Close()
	ix, err := loadIndex(repo, "bx/list")
	if err != nil {
		return report, err
	}
	for i := range ix.Plugins {
		if ix.Plugins[i].Name != p.Name {
			continue // not ours: its files are not in this layout
		}
		for j := range ix.Plugins[i].Versions {
			if v := &ix.Plugins[i].Versions[j]; v.Version != version {
				if err := keepServed(repo, rel, v, baseURL, &report); err != nil {
					return report, err
				}
			}
		}
	}
	v := Version{Version: version, Updated: updated, DocURL: p.Homepage + "#readme", MinCLIVersion: minCLI}
	for _, pl := range platforms {
		name := pl.BinaryName(version)
		sums, err := copyFile(rel, path.Join(version, name), repo, DownloadPath(version, name))
		if errors.Is(err, fs.ErrNotExist) {
			return report, fmt.Errorf("%s is missing: build the release for version %s first", filepath.Join(releaseDir, version, name), version)
		}
		if err != nil {
			return report, err
		}
		v.Binaries = append(v.Binaries, Binary{Platform: pl.Name, URL: BinaryURL(baseURL, version, name), Checksum: sums.SHA1})
	}
	p.Created, p.Updated = updated, updated
	ix.Add(p, v)
	b, err := json.MarshalIndent(ix, "", "  ")
	if err != nil {
		return report, err
	}
	if err := repo.MkdirAll("bx", 0o755); err != nil {
		return report, err
	}
	return report, writeRenamed(repo, "bx/list", append(b, '\n'), 0o644)
}

// keepServed checks that every binary of an earlier version v is in the
// repository with the checksum the index gives it, copies it back from
// the release folder when it is not and the release's copy matches, and
// moves its URL to baseURL.
func keepServed(repo, rel *os.Root, v *Version, baseURL string, report *Report) error {
	if err := CheckVersion(v.Version); err != nil {
		return fmt.Errorf("bx/list in %s lists version %q: %w", repo.Name(), v.Version, err)
	}
	moved := false
	for k := range v.Binaries {
		b := &v.Binaries[k]
		pl, ok := ByName(b.Platform)
		if !ok {
			return fmt.Errorf("bx/list in %s lists platform %q for version %s, which kp-token does not build: remove that entry", repo.Name(), b.Platform, v.Version)
		}
		name := pl.BinaryName(v.Version)
		dst := DownloadPath(v.Version, name)
		sums, err := rootSums(repo, dst)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err != nil || sums.SHA1 != b.Checksum {
			src := path.Join(v.Version, name)
			if kept, err := rootSums(rel, src); err != nil || kept.SHA1 != b.Checksum {
				return fmt.Errorf("%s, listed in bx/list for version %s, is missing or differs from its checksum, and %s holds no copy that matches: "+
					"put the released file back, or remove version %s from bx/list",
					filepath.Join(repo.Name(), filepath.FromSlash(dst)), v.Version, filepath.Join(rel.Name(), v.Version), v.Version)
			}
			if _, err := copyFile(rel, src, repo, dst); err != nil {
				return err
			}
			report.Restored = append(report.Restored, dst)
		}
		if url := BinaryURL(baseURL, v.Version, name); b.URL != url {
			b.URL, moved = url, true
		}
	}
	if moved {
		report.Rebased = append(report.Rebased, v.Version)
	}
	return nil
}

// rootSums hashes a file in a root.
func rootSums(root *os.Root, name string) (Sums, error) {
	f, err := root.Open(name)
	if err != nil {
		return Sums{}, err
	}
	defer f.Close()
	return sums(f)
}

func sums(r io.Reader) (Sums, error) {
	h1, h256 := sha1.New(), sha256.New()
	if _, err := io.Copy(io.MultiWriter(h1, h256), r); err != nil {
		return Sums{}, err
	}
	return Sums{hex.EncodeToString(h1.Sum(nil)), hex.EncodeToString(h256.Sum(nil))}, nil
}

// copyFile copies src in from to dst in to, through a temporary name, and
// returns the sums of what it wrote.
func copyFile(from *os.Root, src string, to *os.Root, dst string) (Sums, error) {
	in, err := from.Open(src)
	if err != nil {
		return Sums{}, err
	}
	defer in.Close()
	if err := to.MkdirAll(path.Dir(dst), 0o755); err != nil {
		return Sums{}, err
	}
	tmp := partial(dst)
	out, err := to.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return Sums{}, err
	}
	s, err := sums(io.TeeReader(in, out))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = to.Rename(tmp, dst)
	}
	if err != nil {
		_ = to.Remove(tmp)
		return Sums{}, err
	}
	return s, nil
}

// writeRenamed writes name in root through a temporary name.
func writeRenamed(root *os.Root, name string, data []byte, perm os.FileMode) error {
	tmp := partial(name)
	err := root.WriteFile(tmp, data, perm)
	if err == nil {
		err = root.Rename(tmp, name)
	}
	if err != nil {
		_ = root.Remove(tmp)
	}
	return err
}

// partial is the temporary name of a file being written: hidden, in the
// same folder (a rename within one folder is atomic).
func partial(name string) string {
	return path.Join(path.Dir(name), "."+path.Base(name)+".partial")
}

// loadIndex reads an index in a root; a missing file is an empty index.
func loadIndex(root *os.Root, name string) (Index, error) {
	b, err := root.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return Index{}, nil
	}
	if err != nil {
		return Index{}, err
	}
	var ix Index
	if err := json.Unmarshal(b, &ix); err != nil {
		return Index{}, fmt.Errorf("%s: %w", filepath.Join(root.Name(), filepath.FromSlash(name)), err)
	}
	return ix, nil
}

// Handler serves a repository folder: regular files only, reached without
// any symbolic link (not even one to a file inside dir), read-only. The
// index is served with every relative URL made absolute against origin,
// the address the server listens on (http://127.0.0.1:8765), so a client
// that only understands absolute URLs installs from it as well. The
// request's Host header plays no part: a page that rebinds a DNS name to
// 127.0.0.1 cannot make the index point at its own server.
func Handler(dir string, origin *url.URL) http.Handler {
	base := origin.ResolveReference(&url.URL{Path: "/bx/list"})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/")
		f, info, err := openRegular(dir, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		if name != "bx/list" {
			http.ServeContent(w, r, name, info.ModTime(), f)
			return
		}
		var ix Index
		if err := json.NewDecoder(f).Decode(&ix); err != nil {
			http.Error(w, "bx/list: "+err.Error(), http.StatusInternalServerError)
			return
		}
		absolute(&ix, base)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(ix)
	})
}

// absolute resolves the index's relative binary URLs against base.
func absolute(ix *Index, base *url.URL) {
	for i := range ix.Plugins {
		for j := range ix.Plugins[i].Versions {
			for k, bin := range ix.Plugins[i].Versions[j].Binaries {
				if u, err := url.Parse(bin.URL); err == nil && !u.IsAbs() {
					ix.Plugins[i].Versions[j].Binaries[k].URL = base.ResolveReference(u).String()
				}
			}
		}
	}
}

// openRegular opens name, a slash-separated path under dir, when each of
// its folders is a real folder and the file a regular file: every
// component is checked with Lstat, and the opened file must be the one
// checked (a link swapped in meanwhile is refused).
func openRegular(dir, name string) (*os.File, fs.FileInfo, error) {
	if !fs.ValidPath(name) || name == "." || strings.ContainsAny(name, `\:`) {
		return nil, nil, fs.ErrNotExist
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, err
	}
	defer root.Close()
	var last fs.FileInfo
	parts := strings.Split(name, "/")
	for i := range parts {
		fi, err := root.Lstat(strings.Join(parts[:i+1], "/"))
		if err != nil {
			return nil, nil, err
		}
		if (i < len(parts)-1 && !fi.IsDir()) || (i == len(parts)-1 && !fi.Mode().IsRegular()) {
			return nil, nil, fs.ErrNotExist
		}
		last = fi
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() || !os.SameFile(info, last) {
		f.Close()
		return nil, nil, fs.ErrNotExist
	}
	return f, info, nil
}
