// Package release builds kp-token for every platform the IBM Cloud CLI
// runs on and writes the plug-in repository index ('bx/list') that
// 'ibmcloud plugin repo-add' and 'ibmcloud plugin install -r' read.
package release

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

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
const VersionVar = "github.com/kp-token/kp-token/plugin.Version"

// CommitVar is the variable the commit is stamped into.
const CommitVar = "github.com/kp-token/kp-token/plugin.Commit"

// Build compiles the plug-in in moduleDir for p into outDir, reproducibly:
// no cgo, no file system paths, no build ID, stripped, the version stamped.
// Two builds of one commit give the same bytes.
func Build(moduleDir, outDir, version string, p Platform) (string, error) {
	out, err := filepath.Abs(filepath.Join(outDir, p.BinaryName(version)))
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
	h1, h256 := sha1.New(), sha256.New()
	if _, err := io.Copy(io.MultiWriter(h1, h256), f); err != nil {
		return Sums{}, err
	}
	return Sums{hex.EncodeToString(h1.Sum(nil)), hex.EncodeToString(h256.Sum(nil))}, nil
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

// ReadIndex reads an index file; a missing file is an empty index.
func ReadIndex(file string) (Index, error) {
	b, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return Index{}, nil
	}
	if err != nil {
		return Index{}, err
	}
	var ix Index
	if err := json.Unmarshal(b, &ix); err != nil {
		return Index{}, fmt.Errorf("%s: %w", file, err)
	}
	return ix, nil
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

// Compare orders x.y.z versions numerically (-1, 0, 1).
func Compare(a, b string) int {
	pa, pb := parts(a), parts(b)
	for i := 0; i < 3; i++ {
		if pa[i] != pb[i] {
			if pa[i] < pb[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func parts(v string) [3]int {
	v = strings.TrimPrefix(v, "v")
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		v = v[:i]
	}
	var out [3]int
	for i, s := range strings.SplitN(v, ".", 3) {
		out[i], _ = strconv.Atoi(s)
	}
	return out
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

// AddToRepo copies the release binaries of version for platforms from
// releaseDir into repoDir/downloads/<version>/ and adds the version to
// repoDir/bx/list, keeping what the index already held.
func AddToRepo(repoDir, releaseDir, version, baseURL string, platforms []Platform, p Plugin, updated time.Time, minCLI string) error {
	v := Version{Version: version, Updated: updated, DocURL: p.Homepage + "#readme", MinCLIVersion: minCLI}
	for _, pl := range platforms {
		name := pl.BinaryName(version)
		src := filepath.Join(releaseDir, name)
		if _, err := os.Stat(src); err != nil {
			return fmt.Errorf("%s is missing: build the release for version %s first", src, version)
		}
		dst := filepath.Join(repoDir, filepath.FromSlash(DownloadPath(version, name)))
		if err := copyFile(src, dst); err != nil {
			return err
		}
		sums, err := FileSums(dst)
		if err != nil {
			return err
		}
		v.Binaries = append(v.Binaries, Binary{Platform: pl.Name, URL: BinaryURL(baseURL, version, name), Checksum: sums.SHA1})
	}
	indexFile := filepath.Join(repoDir, "bx", "list")
	ix, err := ReadIndex(indexFile)
	if err != nil {
		return err
	}
	p.Created, p.Updated = updated, updated
	ix.Add(p, v)
	b, err := json.MarshalIndent(ix, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(indexFile), 0o755); err != nil {
		return err
	}
	return os.WriteFile(indexFile, append(b, '\n'), 0o644)
}

func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Handler serves a repository folder. The index is served with every
// relative URL made absolute against the request, so a client that only
// understands absolute URLs installs from it as well.
func Handler(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/bx/list" {
			files.ServeHTTP(w, r)
			return
		}
		ix, err := ReadIndex(filepath.Join(dir, "bx", "list"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		base := &url.URL{Scheme: "http", Host: r.Host, Path: "/bx/list"}
		for i := range ix.Plugins {
			for j := range ix.Plugins[i].Versions {
				for k, b := range ix.Plugins[i].Versions[j].Binaries {
					if u, err := url.Parse(b.URL); err == nil && !u.IsAbs() {
						ix.Plugins[i].Versions[j].Binaries[k].URL = base.ResolveReference(u).String()
					}
				}
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(ix)
	})
}
