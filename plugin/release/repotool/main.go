// Command repotool builds kp-token's release binaries, writes a plug-in
// repository that 'ibmcloud plugin repo-add' can use, and serves it:
//
//	repotool release -version 1.2.3 -out out/release [-platforms all|host]
//	repotool repo -version 1.2.3 -release out/release -out out/repo [-base-url URL]
//	repotool serve -dir out/repo -addr 127.0.0.1:8765
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	sdk "github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"

	kptoken "github.com/kp-token/kp-token/plugin"
	"github.com/kp-token/kp-token/plugin/release"
)

func main() {
	log.SetFlags(0)
	if len(os.Args) < 2 {
		log.Fatal("usage: repotool release|repo|serve [flags]")
	}
	var err error
	switch os.Args[1] {
	case "release":
		err = runRelease(os.Args[2:])
	case "repo":
		err = runRepo(os.Args[2:])
	case "serve":
		err = runServe(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		log.Fatal("repotool: ", err)
	}
}

func runRelease(args []string) error {
	fs := flag.NewFlagSet("release", flag.ExitOnError)
	version := fs.String("version", "", "version to stamp (x.y.z)")
	out := fs.String("out", "out/release", "output folder")
	which := fs.String("platforms", "all", "all, host, or a comma-separated list of os/arch")
	_ = fs.Parse(args)
	if err := checkVersion(*version); err != nil {
		return err
	}
	platforms, err := selectPlatforms(*which)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(*out); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var names []string
	for _, p := range platforms {
		file, err := release.Build(".", *out, *version, p)
		if err != nil {
			return err
		}
		names = append(names, filepath.Base(file))
		fmt.Println(file)
	}
	return release.WriteChecksums(*out, names)
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

func checkVersion(v string) error {
	if v == "" || release.Compare(v, "0.0.0") <= 0 && v != "0.0.0" || strings.Count(strings.SplitN(v, "-", 2)[0], ".") != 2 {
		return fmt.Errorf("VERSION must be x.y.z, not %q", v)
	}
	return nil
}

func runRepo(args []string) error {
	fs := flag.NewFlagSet("repo", flag.ExitOnError)
	version := fs.String("version", "", "version to add (x.y.z)")
	rel := fs.String("release", "out/release", "folder with the release binaries")
	out := fs.String("out", "out/repo", "repository folder")
	base := fs.String("base-url", "", "absolute URL the repository is served from (binary URLs are relative to the index without it)")
	_ = fs.Parse(args)
	if err := checkVersion(*version); err != nil {
		return err
	}
	md := metadata()
	plugin := release.Plugin{
		Name: md.Name, Aliases: []string{}, Description: md.Namespaces[0].Description,
		Company: "kp-token", Homepage: homepage,
		Authors: []release.Author{{Name: "kp-token developers", Homepage: homepage, Contact: homepage + "/issues"}},
	}
	if err := release.AddToRepo(*out, *rel, *version, *base, release.Platforms, plugin, commitTime(), md.MinCliVersion.String()); err != nil {
		return err
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
	addr := fs.String("addr", "127.0.0.1:8765", "address to listen on (loopback)")
	_ = fs.Parse(args)
	if _, err := os.Stat(filepath.Join(*dir, "bx", "list")); err != nil {
		return fmt.Errorf("%s has no bx/list: run 'make repo VERSION=x.y.z' first", *dir)
	}
	fmt.Printf("Serving %s at http://%s\n  ibmcloud plugin repo-add kp-token-local http://%s\n  ibmcloud plugin install kp-token -r kp-token-local\n", *dir, *addr, *addr)
	return http.ListenAndServe(*addr, release.Handler(*dir))
}
