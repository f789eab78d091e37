package kptoken_test

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/core_config"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// binary is the real kp-token, built once with a stamped version.
var binary string

const testVersion = "9.8.7"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kp-token-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "kp-token")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.Command("go", "build", "-o", binary,
		"-ldflags", "-X github.com/kp-token/kp-token/plugin/kptoken.Version="+testVersion, "../..")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building kp-token:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// host plays the part of 'ibmcloud': a config home, an IAM server, and the
// environment the CLI gives a plug-in.
type host struct {
	t    *testing.T
	home string
	iam  *iamtest.Server
	// rc answers instance lookups; empty until a test adds instances. No
	// test may reach the real Resource Controller.
	rc  *iamtest.ResourceController
	env map[string]string
}

const (
	serviceKey = "Zk3_Ab9cD8eF7gH6iJ5kL4mN3oP2qR1sT0uV9wX8yZ7a"
	userKey    = "Qq1_Ww2Ee3Rr4Tt5Yy6Uu7Ii8Oo9Pp0AaSsDdFfGgHhJ"
)

func newHost(t *testing.T) *host {
	t.Helper()
	iam := iamtest.New()
	t.Cleanup(iam.Close)
	iam.AddAPIKey(serviceKey, iamtest.ServiceID)
	iam.AddAPIKey(userKey, iamtest.User)
	home := t.TempDir()
	rc := iamtest.NewResourceController(iam)
	t.Cleanup(rc.Close)
	h := &host{t: t, home: home, iam: iam, rc: rc, env: map[string]string{
		"RESOURCE_CONTROLLER_URL":   rc.URL,
		"IBMCLOUD_CONFIG_HOME":      home,
		"IBMCLOUD_PLUGIN_NAMESPACE": "kp-token",
		"IBMCLOUD_CLI":              "ibmcloud",
		"HOME":                      home,
		"PATH":                      os.Getenv("PATH"),
		"SYSTEMROOT":                os.Getenv("SYSTEMROOT"),
		"TZ":                        "UTC",
	}}
	// A logged-out CLI still has its endpoints configured.
	h.login(iamtest.Session{})
	return h
}

// login writes the CLI session through the SDK's core_config setters.
func (h *host) login(s iamtest.Session) {
	h.t.Helper()
	if s.IAMEndpoint == "" {
		s.IAMEndpoint = h.iam.URL
	}
	if err := iamtest.WriteSession(h.home, s); err != nil {
		h.t.Fatal(err)
	}
}

// loginUser logs a user in with a token valid for ttl, as 'ibmcloud login
// --sso' leaves it.
func (h *host) loginUser(ttl time.Duration, mod ...func(*iamtest.Session)) (access, refresh string) {
	access = h.iam.AccessToken(iamtest.User, "urn:ibm:params:oauth:grant-type:passcode", ttl)
	refresh = h.iam.IssueRefreshToken(iamtest.User)
	s := iamtest.Session{AccessToken: access, RefreshToken: refresh, Region: "us-south", Account: iamtest.User.Account}
	for _, m := range mod {
		m(&s)
	}
	h.login(s)
	return access, refresh
}

// session reads the CLI config back through the SDK.
func (h *host) session() core_config.Repository {
	return core_config.NewCoreConfigFromPath(filepath.Join(h.home, "config.json"), func(err error) { h.t.Fatal(err) })
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// run runs the plug-in as the CLI does: '<binary> <command> [args]'.
func (h *host) run(stdin string, args ...string) result {
	h.t.Helper()
	return h.runEnv(nil, stdin, args...)
}

func (h *host) runEnv(extra map[string]string, stdin string, args ...string) result {
	h.t.Helper()
	cmd := exec.Command(binary, args...)
	for k, v := range h.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatalf("running kp-token: %v", err)
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

func (h *host) write(name, content string) string {
	h.t.Helper()
	p := filepath.Join(h.home, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// assertNoSecrets fails if any secret appears in the texts.
func assertNoSecrets(t *testing.T, where string, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Fatalf("%s contains a secret (%.6s...)", where, s)
		}
	}
}

// untrustedTLS is an https server whose certificate this machine does not
// trust; its handshake errors stay out of the test log.
func untrustedTLS(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}
