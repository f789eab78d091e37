// Command demo runs a built kp-token binary the way 'ibmcloud' runs a
// plug-in (SendMetadata, then commands with IBMCLOUD_CONFIG_HOME and
// IBMCLOUD_PLUGIN_NAMESPACE set) against a local IAM-compatible server, in
// English, French and Korean. Everything it shows is local: the tokens are
// signed by a throw-away key and are worthless on IBM Cloud.
//
// Usage: go run ./plugin/iamtest/demo bin/kp-token
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	sdk "github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

const demoKey = "Demo_ServiceId_Key_0123456789abcdefghijklmnop"

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: demo PATH_TO_KP_TOKEN_BINARY")
		os.Exit(2)
	}
	bin, err := filepath.Abs(os.Args[1])
	check(err)

	iam := iamtest.New()
	defer iam.Close()
	iam.AddAPIKey(demoKey, iamtest.ServiceID)

	home, err := os.MkdirTemp("", "kp-token-demo")
	check(err)
	defer os.RemoveAll(home)

	banner("LOCAL DEMO: kp-token run as 'ibmcloud' runs it, against a local IAM-compatible server at " + iam.URL +
		".\nNo IBM Cloud account is used; the tokens below are signed by a throw-away key and are shortened for display.")

	md := runMetadata(bin, home)

	// The service ID API key file, as 'ibmcloud iam service-api-key-create
	// kp-automation ServiceId-... --file key.json' writes it.
	keyFile := filepath.Join(home, "key.json")
	keyJSON, _ := json.MarshalIndent(map[string]string{
		"name": "kp-automation-key", "description": "Key Protect automation",
		"apikey": demoKey, "createdAt": time.Now().UTC().Format("2006-01-02T15:04-0700"),
	}, "", "  ")
	check(os.WriteFile(keyFile, keyJSON, 0o600))
	badKey := filepath.Join(home, "deleted-key.json")
	check(os.WriteFile(badKey, []byte(`{"apikey":"Deleted_Key_000000000000000000000000000000"}`), 0o600))
	tokenFile := filepath.Join(home, "token.json")

	for _, locale := range []string{"en_US", "fr_FR", "ko_KR"} {
		banner(fmt.Sprintf("Locale %s ('ibmcloud config --locale %s'), after 'ibmcloud login --sso' (simulated: session written with the SDK's config setters)", locale, locale))
		access := iam.AccessToken(iamtest.User, "urn:ibm:params:oauth:grant-type:passcode", 50*time.Minute)
		check(iamtest.WriteSession(home, iamtest.Session{
			IAMEndpoint: iam.URL, AccessToken: access, RefreshToken: iam.IssueRefreshToken(iamtest.User),
			Region: "us-south", Locale: locale, Account: iamtest.User.Account,
		}))
		run(bin, home, "get")
		run(bin, home, "get", "--apikey", "@"+keyFile, "--file", tokenFile)
		run(bin, home, "inspect", "--file", tokenFile)
		run(bin, home, "get", "--apikey", "@"+badKey)
	}
	banner(fmt.Sprintf("Done: %d commands in %s; the local IAM server answered %d token requests.", len(md.Commands), md.Name, iam.Count()))
}

func runMetadata(bin, home string) sdk.PluginMetadata {
	fmt.Printf("$ %s SendMetadata   (what 'ibmcloud plugin install' runs)\n", filepath.Base(bin))
	cmd := exec.Command(bin, "SendMetadata")
	cmd.Env = hostEnv(home)
	out, err := cmd.Output()
	check(err)
	var md sdk.PluginMetadata
	check(json.Unmarshal(out, &md))
	fmt.Printf("  name %s, version %s, namespace %s, commands:", md.Name, md.Version, md.Namespaces[0].Name)
	for _, c := range md.Commands {
		fmt.Printf(" %s", c.Name)
	}
	problems := 0
	for _, e := range sdk.NewPluginMetadataValidator().Errors([]sdk.PluginMetadata{md})[md.Name] {
		if e.Priority != sdk.PriorityInfo {
			problems++
			fmt.Printf("\n  validator %s: %s", e.Priority, e.Error)
		}
	}
	fmt.Printf("\n  SDK metadata validator: %d errors or warnings\n\n", problems)
	return md
}

var tokenRe = regexp.MustCompile(`eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+`)

func run(bin, home string, args ...string) {
	fmt.Printf("$ ibmcloud kp-token %s\n", strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Env = hostEnv(home)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	text := tokenRe.ReplaceAllStringFunc(out.String(), func(t string) string { return t[:24] + "..." })
	fmt.Print(indent(text))
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		check(err)
	}
	fmt.Printf("  (exit code %d)\n\n", code)
}

func hostEnv(home string) []string {
	return []string{
		"IBMCLOUD_CONFIG_HOME=" + home,
		"IBMCLOUD_PLUGIN_NAMESPACE=kp-token",
		"IBMCLOUD_CLI=ibmcloud",
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"SYSTEMROOT=" + os.Getenv("SYSTEMROOT"),
		"TZ=" + os.Getenv("TZ"),
	}
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return "  " + strings.Join(lines, "\n  ") + "\n"
}

func banner(s string) {
	line := strings.Repeat("=", 78)
	fmt.Printf("%s\n%s\n%s\n\n", line, s, line)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}
