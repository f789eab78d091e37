// Command repotool builds kp-token's release binaries, writes a plug-in
// repository that 'ibmcloud plugin repo-add' can use, and serves it:
//
//	repotool release -version 1.2.3 -out out/release [-platforms all|host] [-base-url URL]
//	repotool repo -version 1.2.3 -release out/release -out out/repo [-base-url URL]
//	repotool serve -dir out/repo -addr 127.0.0.1:8765
//
// A release goes to out/release/<version>/, and the other versions' folders
// stay: they are what a repository's earlier entries are restored from.
// The Makefile builds this tool and runs it directly (not through 'go
// run', whose own process would die on make's SIGTERM and leave the server
// holding the port).
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	sdk "github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"

	"github.com/kp-token/kp-token/plugin/kptoken"
	"github.com/kp-token/kp-token/plugin/tools/release"
)

func main() {
	log.SetFlags(0)
	if err := run(os.Args[1:]); err != nil {
		log.Fatal("repotool: ", err)
	}
}

func run(args []string) error {
	if len(args) < 1 {
		return fmt.Errorf("usage: repotool release|repo|serve [flags]")
	}
	switch args[0] {
	case "release":
		return runRelease(args[1:])
	case "repo":
		return runRepo(args[1:])
	case "serve":
		return runServe(args[1:])
	}
	return fmt.Errorf("unknown subcommand %q", args[0])
}

func runRelease(args []string) error {
	fs := flag.NewFlagSet("release", flag.ExitOnError)
	version := fs.String("version", "", "version to stamp (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD])")
	out := fs.String("out", "out/release", "output folder (the binaries go to <out>/<version>/)")
	which := fs.String("platforms", "all", "all, host, or a comma-separated list of os/arch")
	base := fs.String("base-url", "", "checked only, so that 'make repo' refuses a bad BASE_URL before it builds")
	_ = fs.Parse(args)
	if err := release.CheckVersion(*version); err != nil {
		return err
	}
	if err := release.CheckBaseURL(*base); err != nil {
		return err
	}
	platforms, err := selectPlatforms(*which)
	if err != nil {
		return err
	}
	dir, err := release.VersionDir(*out, *version)
	if err != nil {
		return err
	}
	// Only this version's folder is replaced: the others are earlier
	// releases a repository may still list.
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var names []string
	for _, p := range platforms {
		file, err := release.Build(".", dir, *version, p)
		if err != nil {
			return err
		}
		names = append(names, filepath.Base(file))
		fmt.Println(file)
	}
	return release.WriteChecksums(dir, names)
}

func selectPlatforms(which string) ([]release.Platform, error) {
	switch which {
	case "all":
		return release.Platforms, nil
	case "host":
		p, ok := release.Host()
		if !ok {
			return nil, fmt.Errorf("this machine's platform is not one the CLI runs on")
		}
		return []release.Platform{p}, nil
	}
	var out []release.Platform
	for _, t := range strings.Split(which, ",") {
		found := false
		for _, p := range release.Platforms {
			if p.GOOS+"/"+p.GOARCH == strings.TrimSpace(t) {
				out, found = append(out, p), true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown platform %q", t)
		}
	}
	return out, nil
}

func runRepo(args []string) error {
	fs := flag.NewFlagSet("repo", flag.ExitOnError)
	version := fs.String("version", "", "version to add (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD])")
	rel := fs.String("release", "out/release", "folder with the release binaries, one folder per version")
	out := fs.String("out", "out/repo", "repository folder")
	base := fs.String("base-url", "", "absolute URL the repository is served from (binary URLs are relative to the index without it)")
	_ = fs.Parse(args)
	if err := release.CheckVersion(*version); err != nil {
		return err
	}
	if err := release.CheckBaseURL(*base); err != nil {
		return err
	}
	md := metadata()
	plugin := release.Plugin{
		Name: md.Name, Aliases: []string{}, Description: md.Namespaces[0].Description,
		Company: "kp-token", Homepage: homepage,
		Authors: []release.Author{{Name: "kp-token developers", Homepage: homepage, Contact: homepage + "/issues"}},
	}
	report, err := release.AddToRepo(*out, *rel, *version, *base, release.Platforms, plugin, commitTime(), md.MinCliVersion.String())
	if err != nil {
		return err
	}
	for _, f := range report.Restored {
		fmt.Printf("restored %s from %s\n", filepath.Join(*out, filepath.FromSlash(f)), *rel)
	}
	if len(report.Rebased) > 0 {
		at := "relative URLs"
		if *base != "" {
			at = "URLs under " + *base
		}
		fmt.Printf("the binaries of %s now have %s as well: every entry of the index has the same base\n", strings.Join(report.Rebased, ", "), at)
	}
	fmt.Println(filepath.Join(*out, "bx", "list"))
	return nil
}

const homepage = "https://github.com/kp-token/kp-token"

// metadata is the plug-in's own metadata, in en_US whatever the shell's
// locale: the index is read by everyone.
func metadata() sdk.PluginMetadata {
	p := kptoken.New()
	p.Args = []string{"SendMetadata"}
	p.Getenv = func(k string) string {
		switch k {
		case "LANG", "LC_ALL", "LC_MESSAGES":
			return ""
		}
		return os.Getenv(k)
	}
	return p.GetMetadata()
}

// commitTime dates a version by its commit, so that the same commit gives
// the same index; outside git it is now.
func commitTime() time.Time {
	out, err := exec.Command("git", "log", "-1", "--format=%cI").Output()
	if err == nil {
		if t, err := time.Parse(time.RFC3339, strings.TrimSpace(string(out))); err == nil {
			return t.UTC()
		}
	}
	return time.Now().UTC().Truncate(time.Second)
}

func runServe(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	dir := fs.String("dir", "out/repo", "repository folder")
	addr := fs.String("addr", "127.0.0.1:8765", "loopback address to listen on")
	_ = fs.Parse(args)
	srv, ln, err := newServer(*dir, *addr)
	if err != nil {
		return err
	}
	at := "http://" + ln.Addr().String()
	fmt.Printf("Serving %s at %s\n  ibmcloud plugin repo-add kp-token-local %s\n  ibmcloud plugin install kp-token -r kp-token-local\n", *dir, at, at)
	return srv.Serve(ln)
}

// newServer listens on addr, a loopback address (the repository is for
// this machine), and serves dir with the absolute URLs in its index built
// from the address it listens on.
func newServer(dir, addr string) (*http.Server, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return nil, nil, fmt.Errorf("-addr must be a loopback address and port, such as 127.0.0.1:8765; not %q", addr)
	}
	if _, err := os.Stat(filepath.Join(dir, "bx", "list")); err != nil {
		return nil, nil, fmt.Errorf("%s has no bx/list: run 'make repo VERSION=x.y.z' first", dir)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	origin := &url.URL{Scheme: "http", Host: ln.Addr().String()}
	return &http.Server{Handler: release.Handler(dir, origin), ReadHeaderTimeout: 10 * time.Second}, ln, nil
}
