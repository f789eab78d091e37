package kptoken_test

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

func bearerOf(t *testing.T, stdout string) string {
	t.Helper()
	line := strings.TrimSuffix(stdout, "\n")
	if strings.Count(stdout, "\n") != 1 || !strings.HasPrefix(line, "Bearer ") {
		t.Fatalf("stdout is not exactly one 'Bearer <token>' line: %q", stdout)
	}
	return strings.TrimPrefix(line, "Bearer ")
}

func TestGetFromSession(t *testing.T) {
	h := newHost(t)
	access, refresh := h.loginUser(time.Hour + 20*time.Second)
	r := h.run("", "get")
	if r.code != 0 {
		t.Fatalf("get failed:\n%s", r)
	}
	if r.stdout != "IAM token:  Bearer "+access+"\n" {
		t.Fatalf("stdout = %q", r.stdout)
	}
	if !strings.Contains(r.stderr, "The token expires at ") || !strings.Contains(r.stderr, "UTC (in 1 hour).") {
		t.Fatalf("stderr lacks the expiry: %q", r.stderr)
	}
	if h.iam.Count() != 0 {
		t.Fatalf("a fresh session token caused %d IAM requests", h.iam.Count())
	}
	assertNoSecrets(t, "stderr", r.stderr, access, refresh)
}

func TestGetRenewsSessionTokenThroughSDK(t *testing.T) {
	h := newHost(t)
	old, refresh := h.loginUser(2 * time.Minute) // inside the default 5m
	r := h.run("", "get", "-q")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("get failed:\n%s", r)
	}
	got := bearerOf(t, r.stdout)
	if got == old || !h.iam.Verify(got) {
		t.Fatal("the printed token is not a renewed one")
	}
	reqs := h.iam.Requests()
	if len(reqs) != 1 || reqs[0].Form["grant_type"] != "refresh_token" || reqs[0].Form["refresh_token"] != refresh ||
		reqs[0].BasicUser != "bx" || reqs[0].BasicPassword != "bx" {
		t.Fatalf("IAM saw %+v", reqs)
	}
	// The SDK wrote the renewed session back for the CLI.
	s := h.session()
	if s.IAMToken() != "Bearer "+got || s.IAMRefreshToken() == refresh || s.IAMRefreshToken() == "" {
		t.Fatal("the renewed session was not written back to config.json")
	}
	// --min-validity 1m accepts the new (1h) token without another call.
	if r := h.run("", "get", "-q", "--min-validity", "1m"); r.code != 0 || bearerOf(t, r.stdout) != got || h.iam.Count() != 1 {
		t.Fatalf("second get:\n%s (IAM calls %d)", r, h.iam.Count())
	}
	// --min-validity 2h cannot be met by 1-hour tokens: FAILED, naming
	// the lifetime, without asking IAM for a token that would not do.
	for i := 0; i < 2; i++ {
		r := h.run("", "get", "-q", "--min-validity", "2h")
		expectFailure(t, r, 1, "No token can stay valid for 2 hours: IAM issues these tokens for 1 hour", "below 1 hour")
		if h.iam.Count() != 1 {
			t.Fatalf("get --min-validity 2h asked IAM (%d calls)", h.iam.Count())
		}
	}
}

func TestGetSessionFailures(t *testing.T) {
	t.Run("not logged in", func(t *testing.T) {
		h := newHost(t)
		r := h.run("", "get")
		expectFailure(t, r, 1, "No token source was found", "ibmcloud login --sso")
	})
	t.Run("expired without refresh token", func(t *testing.T) {
		h := newHost(t)
		h.loginUser(-time.Minute, func(s *iamtest.Session) { s.RefreshToken = "" })
		r := h.run("", "get")
		expectFailure(t, r, 1, "has expired and the session has no refresh token", "ibmcloud login --sso")
	})
	t.Run("refresh token expired at IAM", func(t *testing.T) {
		h := newHost(t)
		access, refresh := h.loginUser(-time.Minute)
		h.iam.ExpireRefreshTokens()
		r := h.run("", "get")
		expectFailure(t, r, 1, "IAM refused to renew the token of the CLI session", "ibmcloud login --sso")
		assertNoSecrets(t, "stderr", r.stderr, access, refresh)
	})
}

// expectFailure checks the shape of every failure: FAILED and the cause and
// remedy on stderr, nothing on stdout, the exit code.
func expectFailure(t *testing.T, r result, code int, cause, remedy string) {
	t.Helper()
	if r.code != code || r.stdout != "" || !strings.HasPrefix(r.stderr, "FAILED\n") ||
		!strings.Contains(r.stderr, cause) || !strings.Contains(r.stderr, remedy) {
		t.Fatalf("want exit %d, FAILED, %q and %q:\n%s", code, cause, remedy, r)
	}
}

func TestGetWithAPIKeySources(t *testing.T) {
	svcFile := `{"name":"kp","description":"","createdAt":"2026-11-27T10:00+0000","apikey":"` + serviceKey + `"}`
	tests := []struct {
		name   string
		args   func(h *host) []string
		env    func(h *host) map[string]string
		stdin  string
		warn   bool
		wantID string
	}{
		{"@file plain", func(h *host) []string { return []string{"--apikey", "@" + h.write("key.txt", serviceKey+"\n")} }, nil, "", false, iamtest.ServiceID.IAMID},
		{"@file service-api-key-create JSON", func(h *host) []string { return []string{"--apikey", "@" + h.write("key.json", svcFile)} }, nil, "", false, iamtest.ServiceID.IAMID},
		{"@file BOM CRLF", func(h *host) []string {
			return []string{"--apikey", "@" + h.write("key.txt", "\ufeff"+serviceKey+"\r\n")}
		}, nil, "", false, iamtest.ServiceID.IAMID},
		{"stdin", func(*host) []string { return []string{"--apikey", "-"} }, nil, serviceKey + "\n", false, iamtest.ServiceID.IAMID},
		{"stdin JSON", func(*host) []string { return []string{"--apikey", "-"} }, nil, svcFile, false, iamtest.ServiceID.IAMID},
		{"literal warns", func(*host) []string { return []string{"--apikey", serviceKey} }, nil, "", true, iamtest.ServiceID.IAMID},
		{"IBMCLOUD_API_KEY", func(*host) []string { return nil }, func(*host) map[string]string { return map[string]string{"IBMCLOUD_API_KEY": serviceKey} }, "", false, iamtest.ServiceID.IAMID},
		{"IBMCLOUD_API_KEY=@file", func(*host) []string { return nil }, func(h *host) map[string]string {
			return map[string]string{"IBMCLOUD_API_KEY": "@" + h.write("key.json", svcFile)}
		}, "", false, iamtest.ServiceID.IAMID},
		{"flag beats environment", func(h *host) []string { return []string{"--apikey", "@" + h.write("k", userKey)} }, func(*host) map[string]string {
			return map[string]string{"IBMCLOUD_API_KEY": serviceKey}
		}, "", false, iamtest.User.IAMID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t)
			sessionToken, _ := h.loginUser(time.Hour) // keys beat the session
			var env map[string]string
			if tt.env != nil {
				env = tt.env(h)
			}
			r := h.runEnv(env, tt.stdin, append([]string{"get", "--output", "json"}, tt.args(h)...)...)
			if r.code != 0 {
				t.Fatalf("get failed:\n%s", r)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, r.stdout)
			}
			access, _ := doc["access_token"].(string)
			if access == sessionToken || !h.iam.Verify(access) {
				t.Fatal("token is not a fresh API-key token")
			}
			if doc["iam_token"] != "Bearer "+access || doc["token_type"] != "Bearer" || doc["scope"] != "ibm openid" {
				t.Fatalf("JSON = %s", r.stdout)
			}
			if rt, _ := doc["refresh_token"].(string); rt == "" || rt == "not_supported" {
				t.Fatalf("no usable refresh token: %v", doc["refresh_token"])
			}
			exp, _ := doc["expiration"].(float64)
			if in, _ := doc["expires_in"].(float64); in < 3500 || in > 3600 || int64(exp)-time.Now().Unix() > 3601 {
				t.Fatalf("expiry fields: %s", r.stdout)
			}
			reqs := h.iam.Requests()
			if len(reqs) != 1 {
				t.Fatalf("IAM requests = %d", len(reqs))
			}
			q := reqs[0]
			wantKey := serviceKey
			if tt.wantID == iamtest.User.IAMID {
				wantKey = userKey
			}
			if q.Form["grant_type"] != "urn:ibm:params:oauth:grant-type:apikey" || q.Form["apikey"] != wantKey ||
				q.Form["response_type"] != "cloud_iam" || q.BasicUser != "bx" || q.BasicPassword != "bx" ||
				!strings.HasPrefix(q.ContentType, "application/x-www-form-urlencoded") || q.Accept != "application/json" {
				t.Fatalf("IAM saw %+v", q)
			}
			if got := strings.Contains(r.stderr, "might be visible to others"); got != tt.warn {
				t.Fatalf("warning shown = %v, want %v; stderr %q", got, tt.warn, r.stderr)
			}
			assertNoSecrets(t, "stderr", r.stderr, serviceKey, userKey, access)
		})
	}
}

func TestGetOutputForms(t *testing.T) {
	h := newHost(t)
	keyFile := "@" + h.write("key", serviceKey)

	t.Run("human", func(t *testing.T) {
		r := h.run("", "get", "--apikey", keyFile)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "IAM token:  Bearer ey") || strings.Count(r.stdout, "\n") != 1 {
			t.Fatalf("human output:\n%s", r)
		}
		if !strings.Contains(r.stderr, "The token expires at") {
			t.Fatalf("no expiry on stderr:\n%s", r)
		}
	})
	t.Run("quiet", func(t *testing.T) {
		r := h.run("", "get", "--apikey", keyFile, "-q")
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("quiet:\n%s", r)
		}
		bearerOf(t, r.stdout)
	})
	t.Run("IBMCLOUD_QUIET keeps stdout and hides notices", func(t *testing.T) {
		for _, args := range [][]string{{}, {"--output", "json"}, {"--output", "raw"}, {"-q"}} {
			plain := h.run("", append([]string{"get", "--apikey", keyFile}, args...)...)
			quiet := h.runEnv(map[string]string{"IBMCLOUD_QUIET": "true"}, "", append([]string{"get", "--apikey", keyFile}, args...)...)
			if quiet.code != 0 || quiet.stderr != "" || plain.code != 0 {
				t.Fatalf("IBMCLOUD_QUIET %v:\n%s", args, quiet)
			}
			// Same shape, and the same cached token; only JSON's expires_in
			// may move by a second between the two runs.
			same := plain.stdout == quiet.stdout
			if len(args) == 2 && args[1] == "json" {
				same = jsonOf(t, plain)["access_token"] == jsonOf(t, quiet)["access_token"]
			}
			if !same || strings.Count(plain.stdout, "\n") != strings.Count(quiet.stdout, "\n") {
				t.Fatalf("IBMCLOUD_QUIET changed stdout for %v:\n%q\n%q", args, plain.stdout, quiet.stdout)
			}
		}
		r := h.runEnv(map[string]string{"IBMCLOUD_QUIET": "true"}, "", "get", "--apikey", keyFile)
		if fields := strings.Fields(r.stdout); len(fields) != 4 || fields[2] != "Bearer" {
			t.Fatalf("awk '{print $4}' would not find the token: %q", r.stdout)
		}
	})
	t.Run("raw is the bare token", func(t *testing.T) {
		r := h.run("", "get", "--apikey", keyFile, "--output", "raw")
		if r.code != 0 || r.stderr != "" || strings.Count(r.stdout, "\n") != 1 || strings.HasPrefix(r.stdout, "Bearer") ||
			!h.iam.Verify(strings.TrimSuffix(r.stdout, "\n")) {
			t.Fatalf("raw:\n%s", r)
		}
	})
	t.Run("quiet literal key still warns on stderr", func(t *testing.T) {
		r := h.run("", "get", "--apikey", serviceKey, "-q")
		if r.code != 0 || !strings.Contains(r.stderr, "might be visible to others") {
			t.Fatalf("quiet:\n%s", r)
		}
		bearerOf(t, r.stdout)
	})
	t.Run("session json has exp-based expiry and no refresh token", func(t *testing.T) {
		h := newHost(t)
		access, _ := h.loginUser(30 * time.Minute)
		r := h.run("", "get", "--output", "JSON")
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != 0 {
			t.Fatalf("%v\n%s", err, r)
		}
		in := doc["expires_in"].(float64)
		if doc["access_token"] != access || in > 1800 || in < 1790 || doc["refresh_token"] != nil {
			t.Fatalf("session JSON = %s", r.stdout)
		}
	})
	t.Run("file", func(t *testing.T) {
		out := filepath.Join(h.home, "token.json")
		r := h.run("", "get", "--apikey", keyFile, "--file", out)
		if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "The token was written to "+out) {
			t.Fatalf("--file:\n%s", r)
		}
		st, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
			t.Fatalf("token file mode %v", st.Mode().Perm())
		}
		var doc map[string]any
		b, _ := os.ReadFile(out)
		if err := json.Unmarshal(b, &doc); err != nil || doc["access_token"] == nil || doc["refresh_token"] == nil {
			t.Fatalf("token file = %s", b)
		}
		leftovers, _ := filepath.Glob(filepath.Join(h.home, ".token.json.tmp-*"))
		if len(leftovers) != 0 {
			t.Fatalf("temporary files left: %v", leftovers)
		}
		// -q with --file still prints the header for scripts.
		r = h.run("", "get", "--apikey", keyFile, "--file", out, "-q")
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("--file -q:\n%s", r)
		}
		bearerOf(t, r.stdout)
	})
}

func TestGetFailures(t *testing.T) {
	type tc struct {
		name    string
		setup   func(h *host) ([]string, map[string]string, string)
		code    int
		cause   string
		remedy  string
		wantIAM int // IAM requests expected (-1: don't care)
	}
	file := func(name, content string) func(h *host) ([]string, map[string]string, string) {
		return func(h *host) ([]string, map[string]string, string) {
			return []string{"--apikey", "@" + h.write(name, content)}, nil, ""
		}
	}
	key := func(h *host) ([]string, map[string]string, string) {
		return []string{"--apikey", "@" + h.write("key", serviceKey)}, nil, ""
	}
	script := func(replies ...iamtest.Reply) func(h *host) ([]string, map[string]string, string) {
		return func(h *host) ([]string, map[string]string, string) {
			h.iam.Script(replies...)
			return key(h)
		}
	}
	html502 := iamtest.Reply{Status: 502, ContentType: "text/html", Body: "<html><body>Bad gateway</body></html>"}
	tests := []tc{
		{"empty key", func(*host) ([]string, map[string]string, string) { return []string{"--apikey", ""}, nil, "" }, 1, "The API key is empty.", "--apikey @FILE", 0},
		{"empty IBMCLOUD_API_KEY", func(*host) ([]string, map[string]string, string) {
			return nil, map[string]string{"IBMCLOUD_API_KEY": " "}, ""
		}, 1, "IBMCLOUD_API_KEY environment variable holds no API key", "--apikey @FILE", 0},
		{"key file missing", func(h *host) ([]string, map[string]string, string) {
			return []string{"--apikey", "@" + filepath.Join(h.home, "nope.json")}, nil, ""
		}, 1, "does not exist", "service-api-key-create", 0},
		{"key file unreadable", func(h *host) ([]string, map[string]string, string) {
			return []string{"--apikey", "@" + filepath.Join(h.write("plain", "x"), "key.json")}, nil, ""
		}, 1, "cannot be read", "Check the permissions", 0},
		{"key file empty", file("empty.json", " \r\n"), 1, "is empty", "service-api-key-create", 0},
		{"key file too large", file("big.json", strings.Repeat("k", 64<<10+1)), 1, "larger than 64 KiB", "service-api-key-create", 0},
		{"key file JSON without apikey", file("k.json", `{"name":"kp","id":"ApiKey-1"}`), 1, "has no apikey field", "service-api-key-create", 0},
		{"unknown key", func(h *host) ([]string, map[string]string, string) {
			return []string{"--apikey", "@" + h.write("k", "Unknown_Key_0000000000000000000000000000000")}, nil, ""
		}, 1, "BXNIM0415E", "was not found or was deleted", 1},
		{"HTML reply, retried", script(html502, html502, html502, html502), 1, "busy or unavailable (HTTP 502). kp-token tried 4 times.", "Try again later", 4},
		{"HTML with 200", script(iamtest.Reply{Status: 200, ContentType: "text/html", Body: "<html>login</html>"}), 1, "not an IAM token response", "no proxy answers", 1},
		{"broken JSON", script(iamtest.Reply{Status: 200, ContentType: "application/json", Body: `{"access_token": "eyJ`}), 1, "not an IAM token response", "no proxy answers", 1},
		{"non-JSON 400", script(iamtest.Reply{Status: 400, ContentType: "text/plain", Body: "bad"}), 1, "not an IAM token response (HTTP 400)", "no proxy answers", 1},
		{"connection refused", func(h *host) ([]string, map[string]string, string) {
			l, _ := net.Listen("tcp", "127.0.0.1:0")
			addr := l.Addr().String()
			l.Close()
			args, _, _ := key(h)
			return args, map[string]string{"IAM_ENDPOINT": "http://" + addr}, ""
		}, 1, "cannot be reached", "Check your network connection", -1},
		{"timeout", func(h *host) ([]string, map[string]string, string) {
			h.iam.SetDelay(3 * time.Second)
			h.login(iamtest.Session{HTTPTimeout: 1})
			return key(h)
		}, 1, "did not answer within 1 seconds", "http-timeout", 1},
		{"http to a remote IAM refused", func(h *host) ([]string, map[string]string, string) {
			args, _, _ := key(h)
			return args, map[string]string{"IAM_ENDPOINT": "http://iam.cloud.ibm.com"}, ""
		}, 1, "uses plain HTTP", "https://iam.cloud.ibm.com", 0},
		{"private endpoints never fall back", func(h *host) ([]string, map[string]string, string) {
			h.login(iamtest.Session{Private: true, IAMEndpoint: h.iam.URL})
			return key(h)
		}, 1, "no private IAM endpoint", "private.cloud.ibm.com", 0},
		{"unknown option", func(*host) ([]string, map[string]string, string) { return []string{"--bogus"}, nil, "" }, 2, "Incorrect Usage.", "The option --bogus is unknown.", 0},
		{"bad duration", func(*host) ([]string, map[string]string, string) { return []string{"--min-validity", "soon"}, nil, "" }, 2, "Incorrect Usage.", "soon is not valid for --min-validity", 0},
		{"bad output", func(*host) ([]string, map[string]string, string) { return []string{"--output", "yaml"}, nil, "" }, 2, "Incorrect Usage.", "Use one of: json, raw, header, env.", 0},
		{"stray argument", func(*host) ([]string, map[string]string, string) { return []string{serviceKey}, nil, "" }, 2, "Incorrect Usage.", "takes no arguments", 0},
		{"apikey without value", func(*host) ([]string, map[string]string, string) { return []string{"--apikey"}, nil, "" }, 2, "Incorrect Usage.", "The option --apikey needs a value.", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t)
			args, env, stdin := tt.setup(h)
			out := filepath.Join(h.home, "out", "token.json")
			os.MkdirAll(filepath.Dir(out), 0o700)
			r := h.runEnv(env, stdin, append([]string{"get", "--file", out}, args...)...)
			expectFailure(t, r, tt.code, tt.cause, tt.remedy)
			// Usage errors point at the help in one line instead of
			// printing all of it.
			if tt.code == 2 && (!strings.Contains(r.stderr, "Run 'ibmcloud kp-token get --help' to see the usage.") || strings.Contains(r.stderr, "USAGE:")) {
				t.Fatalf("want one pointer to the help:\n%s", r)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatal("a token file was written by a failed run")
			}
			if left, _ := os.ReadDir(filepath.Dir(out)); len(left) != 0 {
				t.Fatalf("files left behind: %v", left)
			}
			if tt.wantIAM >= 0 && h.iam.Count() != tt.wantIAM {
				t.Fatalf("IAM requests = %d, want %d", h.iam.Count(), tt.wantIAM)
			}
			assertNoSecrets(t, "stderr", r.stderr, serviceKey)
		})
	}
}

func TestGetEndpointChoice(t *testing.T) {
	t.Run("IAM_ENDPOINT beats the session", func(t *testing.T) {
		h := newHost(t)
		other := iamtest.New()
		defer other.Close()
		other.AddAPIKey(serviceKey, iamtest.ServiceID)
		r := h.runEnv(map[string]string{"IAM_ENDPOINT": other.URL + "/identity/token"}, serviceKey, "get", "--apikey", "-", "-q")
		if r.code != 0 || other.Count() != 1 || h.iam.Count() != 0 {
			t.Fatalf("IAM_ENDPOINT not used:\n%s", r)
		}
	})
	t.Run("private endpoint from the session", func(t *testing.T) {
		h := newHost(t)
		h.login(iamtest.Session{Private: true, IAMEndpoint: "https://iam.cloud.ibm.com", PrivateIAMEndpoint: h.iam.URL})
		r := h.run(serviceKey, "get", "--apikey", "-", "-q")
		if r.code != 0 || h.iam.Count() != 1 {
			t.Fatalf("private IAM endpoint not used:\n%s", r)
		}
	})
}

func TestSessionRenewalUsesTheCLITimeout(t *testing.T) {
	h := newHost(t)
	h.loginUser(time.Minute, func(s *iamtest.Session) { s.HTTPTimeout = 1 })
	h.iam.SetDelay(3 * time.Second)
	// Without the CLI's timeout the SDK's client would wait and succeed.
	r := h.run("", "get")
	expectFailure(t, r, 1, "did not answer within 1 seconds", "http-timeout")
}

func TestUnknownCommandAndBrokenStdout(t *testing.T) {
	h := newHost(t)
	expectFailure(t, h.run("", "nosuch"), 2, "The command nosuch is unknown.", "ibmcloud kp-token --help")
	if runtime.GOOS != "linux" {
		return
	}
	// A stdout that cannot be written is a failure, not a silent success.
	cmd := exec.Command(binary, "get", "--apikey", "-", "-q")
	for k, v := range h.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = strings.NewReader(serviceKey)
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full")
	}
	defer full.Close()
	var errb strings.Builder
	cmd.Stdout, cmd.Stderr = full, &errb
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(errb.String(), "could not be written to standard output") {
		t.Fatalf("writing to a full stdout: %v\n%s", err, errb.String())
	}
	assertNoSecrets(t, "stderr", errb.String(), serviceKey)
}
