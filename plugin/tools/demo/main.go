// Command demo runs a built kp-token binary the way 'ibmcloud' runs a
// plug-in (SendMetadata, then commands with IBMCLOUD_CONFIG_HOME and
// IBMCLOUD_PLUGIN_NAMESPACE set) against local IAM, Resource Controller
// (with its Resource Manager) and Key Protect servers: the page "Retrieving
// an access token" from login to Key Protect API calls, then the same
// commands in French and Korean. Everything it shows is local: the tokens
// are signed by a throw-away key and are worthless on IBM Cloud. Each
// command has an expected exit code, and the demo exits 1 when one ends
// otherwise, so a broken demo cannot pass for a working one.
//
// With -sandbox, it sets up the same local servers and session and runs
// COMMAND (default: an interactive shell) in the sandbox's folder, with an
// 'ibmcloud' on PATH that runs 'ibmcloud kp-token ...' with the binary: the
// README's examples run there as written.
//
// Usage:
//
//	go run ./plugin/tools/demo bin/kp-token
//	go run ./plugin/tools/demo -sandbox bin/kp-token [COMMAND [ARGS...]]
package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"
	sdk "github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"

	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/signals"
)

// The local account: two resource groups, three Key Protect instances
// (kp-demo in the targeted region and group, where the user has a role;
// kp-team in the same region and another group; kp-eu in another region),
// and an API key that IAM has deleted.
const (
	deletedKey = "Deleted_Key_000000000000000000000000000000"
	demoGUID   = "0d2a5b8e-1111-4c4c-9d9d-123456789abc"
	euGUID     = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	teamGUID   = "3b5d7f9a-2222-4e6e-8a8a-0c1d2e3f4a5b"
	region     = "us-south"
)

var (
	group = iamtest.ResourceGroup{ID: "4f6a1c2b9d8e4b7a8c5d3e2f1a0b9c8d", Name: "Default", Account: iamtest.User.Account}
	team  = iamtest.ResourceGroup{ID: "9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5d", Name: "team-a", Account: iamtest.User.Account}
)

// Workloads: a trusted profile with a role on kp-demo that trusts a pod's
// compute resource token (the file sa-token), a VPC virtual server, and a
// CI service ID whose API key (ci-key.json) may assume it.
const (
	crToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpwb2QifQ.c2lnbmF0dXJl"
	vsi     = "0717_8f5e2a1c-3b4d-4e6f-9a0b-1c2d3e4f5a6b"
	ciKey   = "CI_ServiceId_Key_0123456789abcdefghijklmnopq"
)

var (
	workload = &iamtest.TrustedProfile{ID: "Profile-5b1c7e2a-9d3f-4a6b-8c0d-2e4f6a8b0c1d", Name: "kp-workload",
		Account: iamtest.User.Account, CRTokens: map[string]bool{crToken: true}, Instances: map[string]bool{vsi: true},
		Assumers: map[string]bool{ciID.IAMID: true}}
	ciID = iamtest.Identity{IAMID: "iam-ServiceId-9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", Name: "ci-pipeline",
		SubType: "ServiceId", Account: iamtest.User.Account}
)

func main() {
	sandbox := flag.Bool("sandbox", false, "run COMMAND (default: a shell) against the local servers, with 'ibmcloud kp-token' on PATH")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: demo PATH_TO_KP_TOKEN_BINARY\n       demo -sandbox PATH_TO_KP_TOKEN_BINARY [COMMAND [ARGS...]]")
	}
	flag.Parse()
	if flag.NArg() < 1 || (!*sandbox && flag.NArg() != 1) {
		flag.Usage()
		os.Exit(2)
	}
	if *sandbox {
		os.Exit(runSandbox(flag.Arg(0), flag.Args()[1:]))
	}
	os.Exit(demo(os.Stdout, flag.Arg(0)))
}

// world is the local cloud the demo and the sandbox run against, and the
// CLI home that holds the session.
type world struct {
	iam  *iamtest.Server
	kp   *iamtest.KeyProtect
	rc   *iamtest.ResourceController
	vpc  *iamtest.Metadata
	home string
}

func newWorld() (*world, error) {
	w := &world{iam: iamtest.New()}
	w.kp = iamtest.NewKeyProtect(w.iam)
	w.rc = iamtest.NewResourceController(w.iam)
	w.kp.AddInstance(demoGUID, 3)
	w.kp.AddInstance(euGUID, 0)
	w.kp.AddInstance(teamGUID, 0)
	// The logged-in user has a role on kp-demo (not on kp-eu); Key Protect
	// lets in whoever setup gives a policy, as IAM would.
	w.kp.Allow(demoGUID, iamtest.User.IAMID)
	w.iam.OnPolicy(func(instance, iamID string) { w.kp.Allow(instance, iamID) })
	w.iam.AddProfile(workload)
	w.iam.AddAPIKey(ciKey, ciID)
	w.kp.Allow(demoGUID, "iam-"+workload.ID)
	w.vpc = iamtest.NewMetadata(w.iam, vsi)
	w.rc.RM.AddGroup(group, team)
	w.rc.Add(
		iamtest.RCInstance{GUID: demoGUID, Name: "kp-demo", Region: region, ResourceGroup: group.ID,
			ResourceID: iamtest.KeyProtectResourceID, Account: group.Account},
		iamtest.RCInstance{GUID: euGUID, Name: "kp-eu", Region: "eu-de", ResourceGroup: group.ID,
			ResourceID: iamtest.KeyProtectResourceID, Account: group.Account},
		iamtest.RCInstance{GUID: teamGUID, Name: "kp-team", Region: region, ResourceGroup: team.ID,
			ResourceID: iamtest.KeyProtectResourceID, Account: team.Account})
	var err error
	if w.home, err = os.MkdirTemp("", "kp-token-demo"); err != nil {
		w.close()
		return nil, err
	}
	for name, content := range map[string]string{
		"deleted-key.json": `{"apikey":"` + deletedKey + `"}`,
		"ci-key.json":      `{"apikey":"` + ciKey + `"}`,
		"sa-token":         crToken,
	} {
		if err == nil {
			err = os.WriteFile(filepath.Join(w.home, name), []byte(content), 0o600)
		}
	}
	if err == nil {
		err = w.login("en_US")
	}
	if err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *world) close() {
	w.kp.Close()
	w.rc.Close()
	w.vpc.Close()
	w.iam.Close()
	if w.home != "" {
		os.RemoveAll(w.home)
	}
}

// login writes the session 'ibmcloud login --sso' and 'ibmcloud target -r
// us-south -g Default' leave, through the SDK's own config setters.
func (w *world) login(locale string) error {
	return iamtest.WriteSession(w.home, iamtest.Session{
		IAMEndpoint: w.iam.URL, AccessToken: w.iam.AccessToken(iamtest.User, "urn:ibm:params:oauth:grant-type:passcode", 50*time.Minute),
		RefreshToken: w.iam.IssueRefreshToken(iamtest.User), Region: region, Locale: locale, Account: iamtest.User.Account,
		ResourceGroup: models.ResourceGroup{GUID: group.ID, Name: group.Name},
	})
}

// env is the environment 'ibmcloud' gives a plug-in, in the world's CLI
// home. On IBM Cloud the Key Protect and Resource Controller endpoints
// come from the targeted region, and the VPC metadata service is at
// 169.254.169.254; here all three are local.
func (w *world) env() []string {
	return []string{
		"IBMCLOUD_CONFIG_HOME=" + w.home,
		"IBMCLOUD_PLUGIN_NAMESPACE=kp-token",
		"IBMCLOUD_CLI=ibmcloud",
		"HOME=" + w.home,
		"PATH=" + os.Getenv("PATH"),
		"SYSTEMROOT=" + os.Getenv("SYSTEMROOT"),
		"TZ=" + os.Getenv("TZ"),
		"KP_ENDPOINT=" + w.kp.URL,
		"RESOURCE_CONTROLLER_URL=" + w.rc.URL,
		"IBMCLOUD_CR_VPC_URL=" + w.vpc.URL,
	}
}

// demo runs the whole show on out and returns the exit code.
func demo(out io.Writer, binPath string) (code int) {
	d := &show{w: out}
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
	d.bin = bin
	w, err := newWorld()
	check(err)
	defer w.close()
	d.world = w

	d.banner("LOCAL DEMO: kp-token run as 'ibmcloud' runs it, against local IAM, Resource Controller and Key Protect\n" +
		"servers (IAM at " + w.iam.URL + "). No IBM Cloud account is used; the tokens are signed by a throw-away\n" +
		"key and shortened for display.")
	md := d.metadata()
	d.pagePath()
	d.languages()

	if d.unexpected > 0 {
		d.banner(fmt.Sprintf("FAILED: %d of %d commands did not end with the exit code they should have.", d.unexpected, d.commands))
		return 1
	}
	d.banner(fmt.Sprintf("Done: %d commands run, each ended as it should. %s has %d commands; the local IAM server answered %d token requests.",
		d.commands, md.Name, len(md.Commands), w.iam.Count()))
	return 0
}

// pagePath is the page's whole path with kp-token, in English: the
// instances, a token from the session, setup (service ID, access policy,
// API key), verify, the token forms, the page's API calls through 'api',
// a job under exec reading the header file, a refused instance, and the
// service ID's rotation and removal.
func (d *show) pagePath() {
	d.banner("The page's path, after 'ibmcloud login --sso' and 'ibmcloud target -r us-south -g Default'\n" +
		"(simulated: the session is written with the SDK's config setters)")
	d.run(0, "instances")
	d.run(0, "get")
	d.run(0, "setup", "--name", "kp-automation", "--instance", "kp-demo", "--role", "Writer")
	d.run(0, "verify", "--apikey", "@kp-automation.json")

	d.banner("The token in the form a script needs")
	d.run(0, "get", "--apikey", "@kp-automation.json", "-q")
	d.run(0, "get", "--apikey", "@kp-automation.json", "--output", "header")
	d.run(0, "get", "--apikey", "@kp-automation.json", "--output", "env", "-q")

	d.banner("The page's API calls with 'api': list the keys, create a key, read it")
	d.run(0, "api", "/api/v2/keys", "--apikey", "@kp-automation.json", "--paginate", "-q", "--jq", `.resources[] | "\(.id)  \(.name)"`)
	d.file("key.json", `{"metadata": {"collectionType": "application/vnd.ibm.kms.key+json", "collectionTotal": 1},
 "resources": [{"type": "application/vnd.ibm.kms.key+json", "name": "my-root-key", "extractable": false}]}`)
	id := strings.TrimSpace(d.run(0, "api", "/api/v2/keys", "--apikey", "@kp-automation.json", "--data", "@key.json", "-q", "--jq", ".resources[0].id"))
	d.run(0, "api", "/api/v2/keys/"+id, "--apikey", "@kp-automation.json", "-q", "--jq", `.resources[0] | "\(.id)  \(.name)  extractable: \(.extractable)"`)

	d.banner("A job longer than a token: exec keeps KP_HEADERS_FILE fresh for curl -H @FILE")
	if _, err := exec.LookPath("curl"); err == nil {
		d.run(0, "exec", "--apikey", "@kp-automation.json", "-q", "--", "sh", "-c",
			`for id in key-0000 key-0001 key-0002; do curl -s -o /dev/null -w "$id: HTTP %{http_code}\n" -H @"$KP_HEADERS_FILE" "$KP_ENDPOINT/api/v2/keys/$id"; done`)
	} else {
		fmt.Fprintf(d.w, "(curl is not installed: the job shows the header file instead of calling Key Protect)\n")
		d.run(0, "exec", "--apikey", "@kp-automation.json", "-q", "--", "sh", "-c", `cat "$KP_HEADERS_FILE"`)
	}

	d.banner("An instance the service ID has no access policy on: FAILED, and the command that gives it one")
	d.run(1, "verify", "--apikey", "@kp-automation.json", "--instance", "kp-eu")

	d.banner("The service ID's life: a new API key, then the service ID removed")
	d.run(0, "setup", "--rotate", "--name", "kp-automation")
	d.run(0, "setup", "--remove", "--name", "kp-automation", "--file", "kp-automation.json", "-f")
}

// languages runs the same commands in French and Korean: stdout is the
// same in every language, messages and reports are in the user's.
func (d *show) languages() {
	for _, locale := range []string{"fr_FR", "ko_KR"} {
		d.banner(fmt.Sprintf("Locale %s ('ibmcloud config --locale %s'): the data on stdout is the same, the messages are in %s",
			locale, locale, map[string]string{"fr_FR": "French", "ko_KR": "Korean"}[locale]))
		check(d.world.login(locale))
		d.run(0, "get")
		d.run(0, "inspect")
		d.run(1, "get", "--apikey", "@deleted-key.json")
	}
	check(d.world.login("en_US"))
}

// show is one demo run: where it writes, the binary and its world.
type show struct {
	w                    io.Writer
	bin                  string
	world                *world
	commands, unexpected int
}

func (d *show) metadata() sdk.PluginMetadata {
	fmt.Fprintf(d.w, "$ %s SendMetadata   (what 'ibmcloud plugin install' runs)\n", filepath.Base(d.bin))
	cmd := exec.Command(d.bin, "SendMetadata")
	cmd.Env = d.world.env()
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

// run runs one command in the world's folder, shows its output and exit
// code, and returns the output; want is the exit code it should end with.
func (d *show) run(want int, args ...string) string {
	shown := make([]string, len(args))
	for i, a := range args {
		shown[i] = a
		if strings.ContainsAny(a, " \"$;'|\\()[]") {
			shown[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	fmt.Fprintf(d.w, "$ ibmcloud kp-token %s\n", strings.Join(shown, " "))
	cmd := exec.Command(d.bin, args...)
	cmd.Env = d.world.env()
	cmd.Dir = d.world.home
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	text := tokenRe.ReplaceAllStringFunc(out.String(), func(t string) string { return t[:24] + "..." })
	fmt.Fprint(d.w, indent(text))
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		check(err)
	}
	d.commands++
	if code != want {
		d.unexpected++
		fmt.Fprintf(d.w, "  (exit code %d, but %d was expected)\n\n", code, want)
		return text
	}
	fmt.Fprintf(d.w, "  (exit code %d)\n\n", code)
	return text
}

// file writes a file into the world's folder and shows it.
func (d *show) file(name, content string) {
	fmt.Fprintf(d.w, "$ cat %s\n%s", name, indent(content))
	fmt.Fprintln(d.w)
	check(os.WriteFile(filepath.Join(d.world.home, name), []byte(content+"\n"), 0o600))
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return "  " + strings.Join(lines, "\n  ") + "\n"
}

func (d *show) banner(s string) {
	line := strings.Repeat("=", 78)
	fmt.Fprintf(d.w, "%s\n%s\n%s\n\n", line, s, line)
}

// runSandbox runs command (default: the user's shell) in a fresh world's
// folder, with an 'ibmcloud' script on PATH that hands 'ibmcloud kp-token
// ARGS' to the binary, and returns its exit code.
func runSandbox(binPath string, command []string) int {
	bin, err := filepath.Abs(binPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 1
	}
	w, err := newWorld()
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 1
	}
	defer w.close()
	shims := filepath.Join(w.home, ".bin")
	shim := "#!/bin/sh\n" +
		"if [ \"$1\" != kp-token ]; then echo \"sandbox: only 'ibmcloud kp-token' works here\" >&2; exit 2; fi\n" +
		"shift\nexec '" + strings.ReplaceAll(bin, "'", `'\''`) + "' \"$@\"\n"
	if err := os.MkdirAll(shims, 0o700); err == nil {
		err = os.WriteFile(filepath.Join(shims, "ibmcloud"), []byte(shim), 0o700)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 1
	}
	if len(command) == 0 {
		command = []string{cmp.Or(os.Getenv("SHELL"), "sh")}
		fmt.Fprintf(os.Stderr, "Sandbox in %s: logged in as %s, targeting %s and the resource group %s.\n"+
			"'ibmcloud kp-token ...' runs %s against local servers. Type 'exit' to stop them.\n",
			w.home, iamtest.User.Email, region, group.Name, bin)
	}
	env := w.env()
	for i, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			env[i] = "PATH=" + shims + string(os.PathListSeparator) + os.Getenv("PATH")
		}
	}
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Env, cmd.Dir = env, w.home
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// A Ctrl-C is the shell's (the terminal sends it to both): the servers
	// stay up until the command ends. Notify, not Ignore: an ignored
	// signal would stay ignored in the command.
	signals.Notify(make(chan os.Signal, 1), os.Interrupt)
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	default:
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 1
	}
}

// demoError is a failure of the demo itself (not of a command it shows).
type demoError struct{ error }

func check(err error) {
	if err != nil {
		panic(demoError{err})
	}
}
