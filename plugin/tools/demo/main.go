// Command demo runs a built kp-token binary the way 'ibmcloud' runs a
// plug-in (SendMetadata, then commands with IBMCLOUD_CONFIG_HOME and
// IBMCLOUD_PLUGIN_NAMESPACE set) against local IAM, Resource Controller and
// Key Protect servers, in English, French and Korean. Everything it shows is
// local: the tokens are signed by a throw-away key and are worthless on IBM
// Cloud. Each command has an expected exit code, and the demo exits 1 when
// one ends otherwise, so a broken demo cannot pass for a working one.
//
// Usage: go run ./plugin/tools/demo bin/kp-token
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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
	os.Exit(demo(os.Stdout, os.Args[1]))
}

// demo runs the whole show on w and returns the exit code.
func demo(w io.Writer, binPath string) (code int) {
	d := &show{w: w}
	defer func() {
		if r := recover(); r != nil {
			err, ok := r.(demoError)
			if !ok {
				panic(r)
			}
			fmt.Fprintln(os.Stderr, "demo:", err.error)
			code = 1
		}
	}()
	bin, err := filepath.Abs(binPath)
	check(err)

	iam := iamtest.New()
	defer iam.Close()
	iam.AddAPIKey(demoKey, iamtest.ServiceID)

	d.home, err = os.MkdirTemp("", "kp-token-demo")
	check(err)
	defer os.RemoveAll(d.home)
	d.bin = bin

	d.banner("LOCAL DEMO: kp-token run as 'ibmcloud' runs it, against a local IAM-compatible server at " + iam.URL +
		".\nNo IBM Cloud account is used; the tokens below are signed by a throw-away key and are shortened for display.")

	md := d.metadata()

	// The service ID API key file, as 'ibmcloud iam service-api-key-create
	// kp-automation ServiceId-... --file key.json' writes it.
	keyFile := filepath.Join(d.home, "key.json")
	keyJSON, _ := json.MarshalIndent(map[string]string{
		"name": "kp-automation-key", "description": "Key Protect automation",
		"apikey": demoKey, "createdAt": time.Now().UTC().Format("2006-01-02T15:04-0700"),
	}, "", "  ")
	check(os.WriteFile(keyFile, keyJSON, 0o600))
	badKey := filepath.Join(d.home, "deleted-key.json")
	check(os.WriteFile(badKey, []byte(`{"apikey":"Deleted_Key_000000000000000000000000000000"}`), 0o600))
	tokenFile := filepath.Join(d.home, "token.json")

	for _, locale := range []string{"en_US", "fr_FR", "ko_KR"} {
		d.banner(fmt.Sprintf("Locale %s ('ibmcloud config --locale %s'), after 'ibmcloud login --sso' (simulated: session written with the SDK's config setters)", locale, locale))
		d.login(iam, locale)
		d.run(0, "get")
		d.run(0, "get", "--apikey", "@"+keyFile, "--file", tokenFile)
		d.run(0, "inspect", "--file", tokenFile)
		d.run(1, "get", "--apikey", "@"+badKey)
	}
	d.keyProtect(iam)
	if d.unexpected > 0 {
		d.banner(fmt.Sprintf("FAILED: %d of %d commands did not end with the exit code they should have.", d.unexpected, d.commands))
		return 1
	}
	d.banner(fmt.Sprintf("Done: %d commands run, each ended as it should. %s has %d commands; the local IAM server answered %d token requests.",
		d.commands, md.Name, len(md.Commands), iam.Count()))
	return 0
}

// show is one demo run: where it writes, the binary and its CLI home.
type show struct {
	w                    io.Writer
	bin, home            string
	extraEnv             []string
	commands, unexpected int
}

func (d *show) login(iam *iamtest.Server, locale string) {
	check(iamtest.WriteSession(d.home, iamtest.Session{
		IAMEndpoint: iam.URL, AccessToken: iam.AccessToken(iamtest.User, "urn:ibm:params:oauth:grant-type:passcode", 50*time.Minute),
		RefreshToken: iam.IssueRefreshToken(iamtest.User), Region: "us-south", Locale: locale, Account: iamtest.User.Account,
	}))
}

// keyProtect shows the page's API path as kp-token does it: setup creates
// the service ID, its access policy and its API key in one step; the
// instance is found by name among the account's instances; verify, the
// header output and exec then reach Key Protect with the new key.
func (d *show) keyProtect(iam *iamtest.Server) {
	const guid = "0d2a5b8e-1111-4c4c-9d9d-123456789abc"
	kp := iamtest.NewKeyProtect(iam)
	defer kp.Close()
	kp.AddInstance(guid, 3)
	iam.OnPolicy(func(instance, iamID string) { kp.Allow(instance, iamID) })
	rc := iamtest.NewResourceController(iam)
	defer rc.Close()
	rc.Add(iamtest.RCInstance{GUID: guid, Name: "kp-demo", Region: "us-south", ResourceGroup: "default",
		ResourceID: iamtest.KeyProtectResourceID, Account: iamtest.User.Account})
	// On IBM Cloud both endpoints come from the targeted region; here both
	// services are local.
	d.extraEnv = []string{"KP_ENDPOINT=" + kp.URL, "RESOURCE_CONTROLLER_URL=" + rc.URL}
	defer func() { d.extraEnv = nil }()

	d.banner("Key Protect in one step, locale en_US: setup, then verify, header output and exec with the new key\n" +
		"(local Key Protect and Resource Controller servers; KP_ENDPOINT points at the local Key Protect)")
	d.login(iam, "en_US")
	keyFile := filepath.Join(d.home, "kp-automation.json")
	d.run(0, "setup", "--name", "kp-automation", "--instance", "kp-demo", "--role", "writer", "--file", keyFile)
	d.run(0, "verify", "--apikey", "@"+keyFile, "--instance", "kp-demo")
	d.run(0, "get", "--apikey", "@"+keyFile, "--instance", "kp-demo", "--output", "header")
	// exec puts the token in the command's environment, never in its argv.
	d.run(0, "exec", "--apikey", "@"+keyFile, "--instance", "kp-demo", "-q", "--", "sh", "-c",
		`echo "would call $KP_ENDPOINT/api/v2/keys for the instance $KP_INSTANCE_ID with a token of ${#KP_ACCESS_TOKEN} characters"`)
	// An instance the new service ID has no access policy on.
	kp.AddInstance("7c9e6679-7425-40de-944b-e07fc1f90ae7", 0)
	d.run(1, "verify", "--apikey", "@"+keyFile, "--instance-id", "7c9e6679-7425-40de-944b-e07fc1f90ae7")
}

func (d *show) metadata() sdk.PluginMetadata {
	fmt.Fprintf(d.w, "$ %s SendMetadata   (what 'ibmcloud plugin install' runs)\n", filepath.Base(d.bin))
	cmd := exec.Command(d.bin, "SendMetadata")
	cmd.Env = d.env()
	out, err := cmd.Output()
	check(err)
	var md sdk.PluginMetadata
	check(json.Unmarshal(out, &md))
	fmt.Fprintf(d.w, "  name %s, version %s, namespace %s, commands:", md.Name, md.Version, md.Namespaces[0].Name)
	for _, c := range md.Commands {
		fmt.Fprintf(d.w, " %s", c.Name)
	}
	problems := 0
	for _, e := range sdk.NewPluginMetadataValidator().Errors([]sdk.PluginMetadata{md})[md.Name] {
		if e.Priority != sdk.PriorityInfo {
			problems++
			fmt.Fprintf(d.w, "\n  validator %s: %s", e.Priority, e.Error)
		}
	}
	fmt.Fprintf(d.w, "\n  SDK metadata validator: %d errors or warnings\n\n", problems)
	if problems > 0 {
		d.unexpected++
	}
	return md
}

var tokenRe = regexp.MustCompile(`eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+`)

// run runs one command and shows its output and exit code; want is the
// exit code it should end with.
func (d *show) run(want int, args ...string) {
	shown := make([]string, len(args))
	for i, a := range args {
		shown[i] = a
		if strings.ContainsAny(a, " \"$;'") {
			shown[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	fmt.Fprintf(d.w, "$ ibmcloud kp-token %s\n", strings.Join(shown, " "))
	cmd := exec.Command(d.bin, args...)
	cmd.Env = d.env()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	text := tokenRe.ReplaceAllStringFunc(out.String(), func(t string) string { return t[:24] + "..." })
	fmt.Fprint(d.w, indent(text))
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		check(err)
	}
	d.commands++
	if code != want {
		d.unexpected++
		fmt.Fprintf(d.w, "  (exit code %d, but %d was expected)\n\n", code, want)
		return
	}
	fmt.Fprintf(d.w, "  (exit code %d)\n\n", code)
}

func (d *show) env() []string {
	return append([]string{
		"IBMCLOUD_CONFIG_HOME=" + d.home,
		"IBMCLOUD_PLUGIN_NAMESPACE=kp-token",
		"IBMCLOUD_CLI=ibmcloud",
		"HOME=" + d.home,
		"PATH=" + os.Getenv("PATH"),
		"SYSTEMROOT=" + os.Getenv("SYSTEMROOT"),
		"TZ=" + os.Getenv("TZ"),
	}, d.extraEnv...)
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return "  " + strings.Join(lines, "\n  ") + "\n"
}

func (d *show) banner(s string) {
	line := strings.Repeat("=", 78)
	fmt.Fprintf(d.w, "%s\n%s\n%s\n\n", line, s, line)
}

// demoError is a failure of the demo itself (not of a command it shows).
type demoError struct{ error }

func check(err error) {
	if err != nil {
		panic(demoError{err})
	}
}
