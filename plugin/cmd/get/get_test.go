package get_test

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestGetFromSession(t *testing.T) {
	h := cmdtest.New(t)
	access, refresh := h.LoginUser(time.Hour + 20*time.Second)
	r := h.Run("", "get")
	if r.Code != 0 {
		t.Fatalf("get failed:\n%s", r)
	}
	if r.Stdout != "IAM token:  Bearer "+access+"\n" {
		t.Fatalf("stdout = %q", r.Stdout)
	}
	if !strings.Contains(r.Stderr, "The token expires at ") || !strings.Contains(r.Stderr, "UTC (in 1 hour).") {
		t.Fatalf("stderr lacks the expiry: %q", r.Stderr)
	}
	if h.IAM.Count() != 0 {
		t.Fatalf("a fresh session token caused %d IAM requests", h.IAM.Count())
	}
	cmdtest.AssertNoSecrets(t, "stderr", r.Stderr, access, refresh)
}

func TestGetRenewsSessionTokenThroughSDK(t *testing.T) {
	h := cmdtest.New(t)
	old, refresh := h.LoginUser(2 * time.Minute) // inside the default 5m
	r := h.Run("", "get", "-q")
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("get failed:\n%s", r)
	}
	got := cmdtest.BearerOf(t, r.Stdout)
	if got == old || !h.IAM.Verify(got) {
		t.Fatal("the printed token is not a renewed one")
	}
	reqs := h.IAM.Requests()
	if len(reqs) != 1 || reqs[0].Form["grant_type"] != "refresh_token" || reqs[0].Form["refresh_token"] != refresh ||
		reqs[0].BasicUser != "bx" || reqs[0].BasicPassword != "bx" {
		t.Fatalf("IAM saw %+v", reqs)
	}
	// The SDK wrote the renewed session back for the CLI.
	s := h.Session()
	if s.IAMToken() != "Bearer "+got || s.IAMRefreshToken() == refresh || s.IAMRefreshToken() == "" {
		t.Fatal("the renewed session was not written back to config.json")
	}
	// --min-validity 1m accepts the new (1h) token without another call.
	if r := h.Run("", "get", "-q", "--min-validity", "1m"); r.Code != 0 || cmdtest.BearerOf(t, r.Stdout) != got || h.IAM.Count() != 1 {
		t.Fatalf("second get:\n%s (IAM calls %d)", r, h.IAM.Count())
	}
	// --min-validity 2h cannot be met by 1-hour tokens: FAILED, naming
	// the lifetime, without asking IAM for a token that would not do.
	for i := 0; i < 2; i++ {
		r := h.Run("", "get", "-q", "--min-validity", "2h")
		cmdtest.ExpectFailure(t, r, 1, "No token can stay valid for 2 hours: IAM issues these tokens for 1 hour", "below 1 hour")
		if h.IAM.Count() != 1 {
			t.Fatalf("get --min-validity 2h asked IAM (%d calls)", h.IAM.Count())
		}
	}
}

func TestGetSessionFailures(t *testing.T) {
	t.Run("not logged in", func(t *testing.T) {
		h := cmdtest.New(t)
		r := h.Run("", "get")
		cmdtest.ExpectFailure(t, r, 1, "No token source was found", "ibmcloud login --sso")
	})
	t.Run("expired without refresh token", func(t *testing.T) {
		h := cmdtest.New(t)
		h.LoginUser(-time.Minute, func(s *iamtest.Session) { s.RefreshToken = "" })
		r := h.Run("", "get")
		cmdtest.ExpectFailure(t, r, 1, "has expired and the session has no refresh token", "ibmcloud login --sso")
	})
	t.Run("refresh token expired at IAM", func(t *testing.T) {
		h := cmdtest.New(t)
		access, refresh := h.LoginUser(-time.Minute)
		h.IAM.ExpireRefreshTokens()
		r := h.Run("", "get")
		cmdtest.ExpectFailure(t, r, 1, "IAM refused to renew the token of the CLI session", "ibmcloud login --sso")
		cmdtest.AssertNoSecrets(t, "stderr", r.Stderr, access, refresh)
	})
}

func TestGetWithAPIKeySources(t *testing.T) {
	svcFile := `{"name":"kp","description":"","createdAt":"2026-11-27T10:00+0000","apikey":"` + cmdtest.ServiceKey + `"}`
	tests := []struct {
		name   string
		args   func(h *cmdtest.Host) []string
		env    func(h *cmdtest.Host) map[string]string
		stdin  string
		warn   bool
		wantID string
	}{
		{"@file plain", func(h *cmdtest.Host) []string {
			return []string{"--apikey", "@" + h.Write("key.txt", cmdtest.ServiceKey+"\n")}
		}, nil, "", false, iamtest.ServiceID.IAMID},
		{"@file service-api-key-create JSON", func(h *cmdtest.Host) []string { return []string{"--apikey", "@" + h.Write("key.json", svcFile)} }, nil, "", false, iamtest.ServiceID.IAMID},
		{"@file BOM CRLF", func(h *cmdtest.Host) []string {
			return []string{"--apikey", "@" + h.Write("key.txt", "\ufeff"+cmdtest.ServiceKey+"\r\n")}
		}, nil, "", false, iamtest.ServiceID.IAMID},
		{"stdin", func(*cmdtest.Host) []string { return []string{"--apikey", "-"} }, nil, cmdtest.ServiceKey + "\n", false, iamtest.ServiceID.IAMID},
		{"stdin JSON", func(*cmdtest.Host) []string { return []string{"--apikey", "-"} }, nil, svcFile, false, iamtest.ServiceID.IAMID},
		{"literal warns", func(*cmdtest.Host) []string { return []string{"--apikey", cmdtest.ServiceKey} }, nil, "", true, iamtest.ServiceID.IAMID},
		{"IBMCLOUD_API_KEY", func(*cmdtest.Host) []string { return nil }, func(*cmdtest.Host) map[string]string {
			return map[string]string{"IBMCLOUD_API_KEY": cmdtest.ServiceKey}
		}, "", false, iamtest.ServiceID.IAMID},
		{"IBMCLOUD_API_KEY=@file", func(*cmdtest.Host) []string { return nil }, func(h *cmdtest.Host) map[string]string {
			return map[string]string{"IBMCLOUD_API_KEY": "@" + h.Write("key.json", svcFile)}
		}, "", false, iamtest.ServiceID.IAMID},
		{"flag beats environment", func(h *cmdtest.Host) []string { return []string{"--apikey", "@" + h.Write("k", cmdtest.UserKey)} }, func(*cmdtest.Host) map[string]string {
			return map[string]string{"IBMCLOUD_API_KEY": cmdtest.ServiceKey}
		}, "", false, iamtest.User.IAMID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := cmdtest.New(t)
			sessionToken, _ := h.LoginUser(time.Hour) // keys beat the session
			var env map[string]string
			if tt.env != nil {
				env = tt.env(h)
			}
			r := h.RunEnv(env, tt.stdin, append([]string{"get", "--output", "json"}, tt.args(h)...)...)
			if r.Code != 0 {
				t.Fatalf("get failed:\n%s", r)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, r.Stdout)
			}
			access, _ := doc["access_token"].(string)
			if access == sessionToken || !h.IAM.Verify(access) {
				t.Fatal("token is not a fresh API-key token")
			}
			if doc["iam_token"] != "Bearer "+access || doc["token_type"] != "Bearer" || doc["scope"] != "ibm openid" {
				t.Fatalf("JSON = %s", r.Stdout)
			}
			if rt, _ := doc["refresh_token"].(string); rt == "" || rt == "not_supported" {
				t.Fatalf("no usable refresh token: %v", doc["refresh_token"])
			}
			exp, _ := doc["expiration"].(float64)
			if in, _ := doc["expires_in"].(float64); in < 3500 || in > 3600 || int64(exp)-time.Now().Unix() > 3601 {
				t.Fatalf("expiry fields: %s", r.Stdout)
			}
			reqs := h.IAM.Requests()
			if len(reqs) != 1 {
				t.Fatalf("IAM requests = %d", len(reqs))
			}
			q := reqs[0]
			wantKey := cmdtest.ServiceKey
			if tt.wantID == iamtest.User.IAMID {
				wantKey = cmdtest.UserKey
			}
			if q.Form["grant_type"] != "urn:ibm:params:oauth:grant-type:apikey" || q.Form["apikey"] != wantKey ||
				q.Form["response_type"] != "cloud_iam" || q.BasicUser != "bx" || q.BasicPassword != "bx" ||
				!strings.HasPrefix(q.ContentType, "application/x-www-form-urlencoded") || q.Accept != "application/json" {
				t.Fatalf("IAM saw %+v", q)
			}
			if got := strings.Contains(r.Stderr, "might be visible to others"); got != tt.warn {
				t.Fatalf("warning shown = %v, want %v; stderr %q", got, tt.warn, r.Stderr)
			}
			cmdtest.AssertNoSecrets(t, "stderr", r.Stderr, cmdtest.ServiceKey, cmdtest.UserKey, access)
		})
	}
}

func TestGetOutputForms(t *testing.T) {
	h := cmdtest.New(t)
	keyFile := "@" + h.Write("key", cmdtest.ServiceKey)

	t.Run("human", func(t *testing.T) {
		r := h.Run("", "get", "--apikey", keyFile)
		if r.Code != 0 || !strings.HasPrefix(r.Stdout, "IAM token:  Bearer ey") || strings.Count(r.Stdout, "\n") != 1 {
			t.Fatalf("human output:\n%s", r)
		}
		if !strings.Contains(r.Stderr, "The token expires at") {
			t.Fatalf("no expiry on Stderr:\n%s", r)
		}
	})
	t.Run("quiet", func(t *testing.T) {
		r := h.Run("", "get", "--apikey", keyFile, "-q")
		if r.Code != 0 || r.Stderr != "" {
			t.Fatalf("quiet:\n%s", r)
		}
		cmdtest.BearerOf(t, r.Stdout)
	})
	t.Run("IBMCLOUD_QUIET keeps stdout and hides notices", func(t *testing.T) {
		for _, args := range [][]string{{}, {"--output", "json"}, {"--output", "raw"}, {"-q"}} {
			plain := h.Run("", append([]string{"get", "--apikey", keyFile}, args...)...)
			quiet := h.RunEnv(map[string]string{"IBMCLOUD_QUIET": "true"}, "", append([]string{"get", "--apikey", keyFile}, args...)...)
			if quiet.Code != 0 || quiet.Stderr != "" || plain.Code != 0 {
				t.Fatalf("IBMCLOUD_QUIET %v:\n%s", args, quiet)
			}
			// Same shape, and the same cached token; only JSON's expires_in
			// may move by a second between the two runs.
			same := plain.Stdout == quiet.Stdout
			if len(args) == 2 && args[1] == "json" {
				same = cmdtest.JSONOf(t, plain)["access_token"] == cmdtest.JSONOf(t, quiet)["access_token"]
			}
			if !same || strings.Count(plain.Stdout, "\n") != strings.Count(quiet.Stdout, "\n") {
				t.Fatalf("IBMCLOUD_QUIET changed stdout for %v:\n%q\n%q", args, plain.Stdout, quiet.Stdout)
			}
		}
		r := h.RunEnv(map[string]string{"IBMCLOUD_QUIET": "true"}, "", "get", "--apikey", keyFile)
		if fields := strings.Fields(r.Stdout); len(fields) != 4 || fields[2] != "Bearer" {
			t.Fatalf("awk '{print $4}' would not find the token: %q", r.Stdout)
		}
	})
	t.Run("raw is the bare token", func(t *testing.T) {
		r := h.Run("", "get", "--apikey", keyFile, "--output", "raw")
		if r.Code != 0 || r.Stderr != "" || strings.Count(r.Stdout, "\n") != 1 || strings.HasPrefix(r.Stdout, "Bearer") ||
			!h.IAM.Verify(strings.TrimSuffix(r.Stdout, "\n")) {
			t.Fatalf("raw:\n%s", r)
		}
	})
	t.Run("quiet literal key still warns on stderr", func(t *testing.T) {
		r := h.Run("", "get", "--apikey", cmdtest.ServiceKey, "-q")
		if r.Code != 0 || !strings.Contains(r.Stderr, "might be visible to others") {
			t.Fatalf("quiet:\n%s", r)
		}
		cmdtest.BearerOf(t, r.Stdout)
	})
	t.Run("session json has exp-based expiry and no refresh token", func(t *testing.T) {
		h := cmdtest.New(t)
		access, _ := h.LoginUser(30 * time.Minute)
		r := h.Run("", "get", "--output", "JSON")
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil || r.Code != 0 {
			t.Fatalf("%v\n%s", err, r)
		}
		in := doc["expires_in"].(float64)
		if doc["access_token"] != access || in > 1800 || in < 1790 || doc["refresh_token"] != nil {
			t.Fatalf("session JSON = %s", r.Stdout)
		}
	})
	t.Run("file", func(t *testing.T) {
		out := filepath.Join(h.Home, "token.json")
		r := h.Run("", "get", "--apikey", keyFile, "--file", out)
		if r.Code != 0 || r.Stdout != "" || !strings.Contains(r.Stderr, "The token was written to "+out) {
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
		leftovers, _ := filepath.Glob(filepath.Join(h.Home, ".token.json.tmp-*"))
		if len(leftovers) != 0 {
			t.Fatalf("temporary files left: %v", leftovers)
		}
		// -q with --file still prints the header for scripts.
		r = h.Run("", "get", "--apikey", keyFile, "--file", out, "-q")
		if r.Code != 0 || r.Stderr != "" {
			t.Fatalf("--file -q:\n%s", r)
		}
		cmdtest.BearerOf(t, r.Stdout)
	})
}

func TestGetFailures(t *testing.T) {
	type tc struct {
		name    string
		setup   func(h *cmdtest.Host) ([]string, map[string]string, string)
		Code    int
		cause   string
		remedy  string
		wantIAM int // IAM requests expected (-1: don't care)
	}
	file := func(name, content string) func(h *cmdtest.Host) ([]string, map[string]string, string) {
		return func(h *cmdtest.Host) ([]string, map[string]string, string) {
			return []string{"--apikey", "@" + h.Write(name, content)}, nil, ""
		}
	}
	key := func(h *cmdtest.Host) ([]string, map[string]string, string) {
		return []string{"--apikey", "@" + h.Write("key", cmdtest.ServiceKey)}, nil, ""
	}
	script := func(replies ...iamtest.Reply) func(h *cmdtest.Host) ([]string, map[string]string, string) {
		return func(h *cmdtest.Host) ([]string, map[string]string, string) {
			h.IAM.Script(replies...)
			return key(h)
		}
	}
	html502 := iamtest.Reply{Status: 502, ContentType: "text/html", Body: "<html><body>Bad gateway</body></html>"}
	tests := []tc{
		{"empty key", func(*cmdtest.Host) ([]string, map[string]string, string) { return []string{"--apikey", ""}, nil, "" }, 1, "The API key is empty.", "--apikey @FILE", 0},
		{"empty IBMCLOUD_API_KEY", func(*cmdtest.Host) ([]string, map[string]string, string) {
			return nil, map[string]string{"IBMCLOUD_API_KEY": " "}, ""
		}, 1, "IBMCLOUD_API_KEY environment variable holds no API key", "--apikey @FILE", 0},
		{"key file missing", func(h *cmdtest.Host) ([]string, map[string]string, string) {
			return []string{"--apikey", "@" + filepath.Join(h.Home, "nope.json")}, nil, ""
		}, 1, "does not exist", "service-api-key-create", 0},
		{"key file unreadable", func(h *cmdtest.Host) ([]string, map[string]string, string) {
			return []string{"--apikey", "@" + filepath.Join(h.Write("plain", "x"), "key.json")}, nil, ""
		}, 1, "cannot be read", "Check the permissions", 0},
		{"key file empty", file("empty.json", " \r\n"), 1, "is empty", "service-api-key-create", 0},
		{"key file too large", file("big.json", strings.Repeat("k", 64<<10+1)), 1, "larger than 64 KiB", "service-api-key-create", 0},
		{"key file JSON without apikey", file("k.json", `{"name":"kp","id":"ApiKey-1"}`), 1, "has no apikey field", "service-api-key-create", 0},
		{"unknown key", func(h *cmdtest.Host) ([]string, map[string]string, string) {
			return []string{"--apikey", "@" + h.Write("k", "Unknown_Key_0000000000000000000000000000000")}, nil, ""
		}, 1, "BXNIM0415E", "was not found or was deleted", 1},
		{"HTML reply, retried", script(html502, html502, html502, html502), 1, "busy or unavailable (HTTP 502). kp-token tried 4 times.", "Try again later", 4},
		{"HTML with 200", script(iamtest.Reply{Status: 200, ContentType: "text/html", Body: "<html>login</html>"}), 1, "not an IAM token response", "no proxy answers", 1},
		{"broken JSON", script(iamtest.Reply{Status: 200, ContentType: "application/json", Body: `{"access_token": "eyJ`}), 1, "not an IAM token response", "no proxy answers", 1},
		{"non-JSON 400", script(iamtest.Reply{Status: 400, ContentType: "text/plain", Body: "bad"}), 1, "not an IAM token response (HTTP 400)", "no proxy answers", 1},
		{"connection refused", func(h *cmdtest.Host) ([]string, map[string]string, string) {
			l, _ := net.Listen("tcp", "127.0.0.1:0")
			addr := l.Addr().String()
			l.Close()
			args, _, _ := key(h)
			return args, map[string]string{"IAM_ENDPOINT": "http://" + addr}, ""
		}, 1, "kp-token could not reach IAM at http://", "Check your network connection", -1},
		{"timeout", func(h *cmdtest.Host) ([]string, map[string]string, string) {
			h.IAM.SetDelay(3 * time.Second)
			h.Login(iamtest.Session{HTTPTimeout: 1})
			return key(h)
		}, 1, "No answer came from IAM at http://127.0.0.1:", "http-timeout", 1},
		{"http to a remote IAM refused", func(h *cmdtest.Host) ([]string, map[string]string, string) {
			args, _, _ := key(h)
			return args, map[string]string{"IAM_ENDPOINT": "http://iam.cloud.ibm.com"}, ""
		}, 1, "uses plain HTTP", "https://iam.cloud.ibm.com", 0},
		{"private endpoints never fall back", func(h *cmdtest.Host) ([]string, map[string]string, string) {
			h.Login(iamtest.Session{Private: true, IAMEndpoint: h.IAM.URL})
			return key(h)
		}, 1, "no private IAM endpoint", "private.cloud.ibm.com", 0},
		{"unknown option", func(*cmdtest.Host) ([]string, map[string]string, string) { return []string{"--bogus"}, nil, "" }, 2, "Incorrect Usage.", "The option --bogus is unknown.", 0},
		{"bad duration", func(*cmdtest.Host) ([]string, map[string]string, string) {
			return []string{"--min-validity", "soon"}, nil, ""
		}, 2, "Incorrect Usage.", "soon is not valid for --min-validity", 0},
		{"bad output", func(*cmdtest.Host) ([]string, map[string]string, string) {
			return []string{"--output", "yaml"}, nil, ""
		}, 2, "Incorrect Usage.", "Use one of: json, raw, header, env.", 0},
		{"stray argument", func(*cmdtest.Host) ([]string, map[string]string, string) {
			return []string{cmdtest.ServiceKey}, nil, ""
		}, 2, "Incorrect Usage.", "takes no arguments", 0},
		{"apikey without value", func(*cmdtest.Host) ([]string, map[string]string, string) { return []string{"--apikey"}, nil, "" }, 2, "Incorrect Usage.", "The option --apikey needs a value.", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := cmdtest.New(t)
			args, env, stdin := tt.setup(h)
			out := filepath.Join(h.Home, "out", "token.json")
			os.MkdirAll(filepath.Dir(out), 0o700)
			r := h.RunEnv(env, stdin, append([]string{"get", "--file", out}, args...)...)
			cmdtest.ExpectFailure(t, r, tt.Code, tt.cause, tt.remedy)
			// Usage errors point at the help in one line instead of
			// printing all of it.
			if tt.Code == 2 && (!strings.Contains(r.Stderr, "Run 'ibmcloud kp-token get --help' to see the usage.") || strings.Contains(r.Stderr, "USAGE:")) {
				t.Fatalf("want one pointer to the help:\n%s", r)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatal("a token file was written by a failed run")
			}
			if left, _ := os.ReadDir(filepath.Dir(out)); len(left) != 0 {
				t.Fatalf("files left behind: %v", left)
			}
			if tt.wantIAM >= 0 && h.IAM.Count() != tt.wantIAM {
				t.Fatalf("IAM requests = %d, want %d", h.IAM.Count(), tt.wantIAM)
			}
			cmdtest.AssertNoSecrets(t, "stderr", r.Stderr, cmdtest.ServiceKey)
		})
	}
}

func TestGetEndpointChoice(t *testing.T) {
	t.Run("IAM_ENDPOINT beats the session", func(t *testing.T) {
		h := cmdtest.New(t)
		other := iamtest.New()
		defer other.Close()
		other.AddAPIKey(cmdtest.ServiceKey, iamtest.ServiceID)
		r := h.RunEnv(map[string]string{"IAM_ENDPOINT": other.URL + "/identity/token"}, cmdtest.ServiceKey, "get", "--apikey", "-", "-q")
		if r.Code != 0 || other.Count() != 1 || h.IAM.Count() != 0 {
			t.Fatalf("IAM_ENDPOINT not used:\n%s", r)
		}
	})
	t.Run("private endpoint from the session", func(t *testing.T) {
		h := cmdtest.New(t)
		h.Login(iamtest.Session{Private: true, IAMEndpoint: "https://iam.cloud.ibm.com", PrivateIAMEndpoint: h.IAM.URL})
		r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q")
		if r.Code != 0 || h.IAM.Count() != 1 {
			t.Fatalf("private IAM endpoint not used:\n%s", r)
		}
	})
}

// TestGetWithAKeyFileNameWithoutAt: 'get --apikey kp-automation.json',
// the file being there, is the '@' forgotten: a usage failure that shows
// the command with it, no request to IAM, and no warning about a key on
// the command line (there is none). The same for any command that takes
// --apikey, and for --cr-token.
func TestGetWithAKeyFileNameWithoutAt(t *testing.T) {
	h := cmdtest.New(t)
	h.LoginUser(time.Hour)
	t.Chdir(h.Home)
	h.Write("kp-automation.json", `{"apikey":"`+cmdtest.ServiceKey+`"}`)
	h.Write("pod-token", cmdtest.CRToken)
	tests := []struct {
		args            []string
		cause, suggests string
	}{
		{[]string{"get", "--apikey", "kp-automation.json"}, "The value of --apikey, kp-automation.json, is the name of a file, not an API key: nothing was sent to IAM.",
			"To read it from the file, put @ before the file name: --apikey @kp-automation.json"},
		{[]string{"exec", "--apikey", "kp-automation.json", "--", "true"}, "is the name of a file", "--apikey @kp-automation.json"},
		{[]string{"verify", "--apikey", "kp-automation.json", "--instance-id", cmdtest.InstanceID, "--region", "us-south"}, "is the name of a file", "--apikey @kp-automation.json"},
		{[]string{"get", "--apikey", "kp-automation.json", "--profile", cmdtest.ProfileID}, "is the name of a file", "--apikey @kp-automation.json"},
		{[]string{"get", "--cr-token", "pod-token", "--profile", cmdtest.ProfileID}, "The value of --cr-token, pod-token, is the name of a file, not a compute resource token",
			"--cr-token @pod-token"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := h.Run("", tt.args...)
			cmdtest.ExpectFailure(t, r, 2, tt.cause, tt.suggests)
			if strings.Contains(r.Stderr, "WARNING") || h.IAM.Count() != 0 {
				t.Fatalf("a warning, or a request to IAM (%d):\n%s", h.IAM.Count(), r)
			}
		})
	}
	// With the '@', the same file works.
	if r := h.Run("", "get", "--apikey", "@kp-automation.json", "-q"); r.Code != 0 || h.IAM.Count() != 1 {
		t.Fatalf("get --apikey @kp-automation.json:\n%s", r)
	}
}

// TestGetWithShortLivedTokens: when IAM issues tokens shorter than the
// default --min-validity (5 minutes), get uses a fresh enough token with a
// notice instead of failing on every call; a --min-validity the user
// chose that no token can meet stays FAILED, with an example that works.
func TestGetWithShortLivedTokens(t *testing.T) {
	h := cmdtest.New(t)
	h.IAM.TTL = 4 * time.Minute
	keyFile := "@" + h.Write("key.json", `{"apikey":"`+cmdtest.ServiceKey+`"}`)
	notice := "IAM issues these tokens for only 4 minutes, not longer than the default minimum validity of 5 minutes: the token used stays valid for at least 2 minutes."

	r := h.Run("", "get", "--apikey", keyFile)
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "IAM token:  Bearer ") || !strings.Contains(r.Stderr, notice) {
		t.Fatalf("get with 4-minute tokens:\n%s", r)
	}
	// A loop of calls is still served from the cache, quietly with -q.
	for i := 0; i < 3; i++ {
		if r := h.Run("", "get", "--apikey", keyFile, "-q"); r.Code != 0 || r.Stderr != "" || h.IAM.Count() != 1 {
			t.Fatalf("get -q (IAM requests %d):\n%s", h.IAM.Count(), r)
		}
	}

	r = h.Run("", "get", "--apikey", keyFile, "--min-validity", "5m")
	cmdtest.ExpectFailure(t, r, 1, "No token can stay valid for 5 minutes: IAM issues these tokens for 4 minutes.",
		"Give --min-validity a value below 4 minutes, for example 2m.")
	// The example is one that works.
	if r := h.Run("", "get", "--apikey", keyFile, "--min-validity", "2m", "-q"); r.Code != 0 {
		t.Fatalf("get --min-validity 2m, the example given:\n%s", r)
	}

	// The CLI session's short-lived token, the same way.
	h.LoginUser(4 * time.Minute)
	before := h.IAM.Count()
	if r := h.Run("", "get"); r.Code != 0 || !strings.Contains(r.Stderr, notice) || h.IAM.Count() != before {
		t.Fatalf("get with a 4-minute session token (IAM requests %d):\n%s", h.IAM.Count()-before, r)
	}
}
