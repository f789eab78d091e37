package get_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// evalForms are the outputs scripts evaluate or send as they are.
var evalForms = []struct {
	name string
	args []string
	line *regexp.Regexp // what every line of stdout must be
}{
	{"env", []string{"--output", "env"}, regexp.MustCompile(`^export KP_[A-Z_]+='[^'\n]*'$`)},
	{"env powershell", []string{"--output", "env", "--shell", "powershell"}, regexp.MustCompile("^\\$env:KP_[A-Z_]+ = '[^'\u2018\u2019\u201a\u201b\n]*'$")},
	{"header", []string{"--output", "header"}, regexp.MustCompile(`^(Authorization: Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+|bluemix-instance: [0-9a-f-]{36})$`)},
}

// assertInert fails unless every line of stdout has the one shape its form
// allows: a value that no shell reads as anything but a value.
func assertInert(t *testing.T, form string, line *regexp.Regexp, r cmdtest.Result) {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n") {
		if !line.MatchString(l) {
			t.Fatalf("%s: a line outside the form's shape: %q\n%s", form, l, r)
		}
	}
}

const (
	psBreakout = "x\u2019; Start-Process calc; \u2019"
	hostileTyp = "Bearer\u2019;calc;\u2019"
)

// TestHostileServersNeverReachEval: a Resource Controller or IAM that
// answers what an attacker wants (a GUID or a token_type that closes a
// PowerShell string, a token outside the JWT alphabet) gets a FAILED that
// names it, and nothing on stdout, in every eval'ed and header form.
func TestHostileServersNeverReachEval(t *testing.T) {
	for _, form := range evalForms {
		t.Run(form.name, func(t *testing.T) {
			t.Run("Resource Controller GUID", func(t *testing.T) {
				for _, guid := range []string{psBreakout, cmdtest.KPGUIDSouth + "'; calc; '", cmdtest.KPGUIDSouth + "\nexport PWNED=1"} {
					h := cmdtest.New(t)
					rc := h.WithRC("")
					rc.Add(cmdtest.KPInstance(guid, "kp-evil", "us-south", cmdtest.GroupID))
					r := h.Run("", append([]string{"get"}, form.args...)...)
					cmdtest.ExpectFailure(t, r, 1, "The Resource Controller at "+rc.URL+" sent an instance whose GUID is not valid", "RESOURCE_CONTROLLER_URL")
					// Looked up by name, the same.
					r = h.Run("", append([]string{"get", "--instance", "kp-evil"}, form.args...)...)
					cmdtest.ExpectFailure(t, r, 1, "sent an instance whose GUID is not valid", "RESOURCE_CONTROLLER_URL")
				}
			})
			faults := []struct {
				name  string
				fault iamtest.Fault
				cause string
			}{
				{"token_type", iamtest.Fault{TokenType: hostileTyp}, "sent a token of type " + hostileTyp + ": only Bearer tokens are accepted"},
				{"quote in the token", iamtest.Fault{Mangle: func(s string) string { return s + psBreakout }}, "sent an access token that is not a JWT"},
				{"newline in the token", iamtest.Fault{Mangle: func(s string) string { return s + "\nexport PWNED=1" }}, "sent an access token that is not a JWT"},
			}
			sources := []struct{ name, grant string }{
				{"apikey", "urn:ibm:params:oauth:grant-type:apikey"},
				{"cr-token", "urn:ibm:params:oauth:grant-type:cr-token"},
				{"assume", "urn:ibm:params:oauth:grant-type:assume"},
				{"session renewal", "refresh_token"},
				{"vpc", "vpc"},
			}
			for _, ft := range faults {
				for _, src := range sources {
					if src.grant == "vpc" && ft.fault.TokenType != "" {
						continue // the metadata service sends no token_type
					}
					t.Run("IAM "+ft.name+"/"+src.name, func(t *testing.T) {
						h := cmdtest.New(t)
						p := h.WithProfile()
						h.WithMetadata()
						fault := ft.fault
						fault.Grant = src.grant
						h.IAM.SetFault(fault)
						args := []string{"get", "--instance-id", cmdtest.InstanceID, "--kp-endpoint", "https://kms.example.com", "--no-cache"}
						cause := ft.cause
						switch src.name {
						case "apikey":
							args = append(args, "--apikey", "@"+h.Write("key", cmdtest.ServiceKey))
						case "cr-token":
							args = append(args, "--cr-token", "@"+h.Write("cr", cmdtest.CRToken), "--profile", p.ID)
						case "assume":
							args = append(args, "--apikey", "@"+h.Write("key", cmdtest.ServiceKey), "--profile", p.ID)
						case "session renewal":
							h.LoginUser(time.Minute) // due for renewal
						case "vpc":
							args = append(args, "--vpc", "--profile", p.ID)
							cause = "sent a reply that is not an IAM token response"
						}
						r := h.Run("", append(args, form.args...)...)
						cmdtest.ExpectFailure(t, r, 1, cause, "Check that the IAM endpoint is right")
						if tok := h.Session().IAMToken(); src.name == "session renewal" && strings.ContainsAny(tok, "\u2019\n") {
							t.Fatalf("the hostile token reached the CLI's configuration: %q", tok)
						}
					})
				}
			}
		})
	}
}

// TestHostileEndpointIsEscaped: a Key Protect endpoint from KP_ENDPOINT or
// --kp-endpoint is printed as an escaped URL, never its decoded path, and a
// host that is not a host name is refused.
func TestHostileEndpointIsEscaped(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	h := cmdtest.New(t)
	h.LoginUser(time.Hour)
	tests := []struct{ given, want string }{
		{"https://kms.example/%E2%80%99;calc;%E2%80%99", "https://kms.example/%E2%80%99%3Bcalc%3B%E2%80%99"},
		{"https://kms.example/%0aexport%20PWNED=1", "https://kms.example/%0aexport%20PWNED%3D1"},
		{"https://kms.example/%0d%0a", "https://kms.example/%0d%0a"},
		{"https://kms.example/x\u2019;calc;\u2019", "https://kms.example/x%E2%80%99%3Bcalc%3B%E2%80%99"},
		{"https://kms.example/it's", "https://kms.example/it%27s"},
	}
	for _, tt := range tests {
		for _, from := range []string{"KP_ENDPOINT", "--kp-endpoint"} {
			var env map[string]string
			args := []string{"get", "--instance-id", cmdtest.InstanceID}
			if from == "KP_ENDPOINT" {
				env = map[string]string{"KP_ENDPOINT": tt.given}
			} else {
				args = append(args, "--kp-endpoint", tt.given)
			}
			for _, form := range evalForms {
				r := h.RunEnv(env, "", append(args, form.args...)...)
				if r.Code != 0 {
					t.Fatalf("%s %s %q:\n%s", form.name, from, tt.given, r)
				}
				assertInert(t, form.name, form.line, r)
			}
			r := h.RunEnv(env, "", append(args, "--output", "env")...)
			out, err := exec.Command(sh, "-c", r.Stdout+`printf %s "$KP_ENDPOINT"`).Output()
			if err != nil || string(out) != tt.want {
				t.Fatalf("%s %q: sh reads KP_ENDPOINT as %q (%v), want %q", from, tt.given, out, err, tt.want)
			}
			r = h.RunEnv(env, "", append(args, "--output", "env", "--shell", "powershell")...)
			if !strings.Contains(r.Stdout, "\n$env:KP_ENDPOINT = '"+tt.want+"'\n") {
				t.Fatalf("%s %q: PowerShell line:\n%s", from, tt.given, r)
			}
		}
	}
	for _, host := range []string{"https://kms%E2%80%99.example", "https://kms'$(id).example", "https://kms\u2019.example"} {
		r := h.RunEnv(map[string]string{"KP_ENDPOINT": host}, "", "get", "--output", "env", "--instance-id", cmdtest.InstanceID)
		cmdtest.ExpectFailure(t, r, 1, "(from KP_ENDPOINT) is not a valid URL", "Use an https:// URL")
	}
}

// TestPlantedTokensAreRefused: a cache entry, a token file or a CLI
// configuration holding a token outside IAM's shape is never printed.
func TestPlantedTokensAreRefused(t *testing.T) {
	t.Run("cache entry", func(t *testing.T) {
		for name, plant := range map[string]func(tok map[string]any){
			"token_type":         func(tok map[string]any) { tok["token_type"] = hostileTyp },
			"quote in the token": func(tok map[string]any) { tok["access_token"] = tok["access_token"].(string) + psBreakout },
		} {
			h := cmdtest.New(t)
			if r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q"); r.Code != 0 {
				t.Fatalf("get:\n%s", r)
			}
			raw, _ := os.ReadFile(h.EntryPath(cmdtest.ServiceKey))
			var entry map[string]any
			if err := json.Unmarshal(raw, &entry); err != nil {
				t.Fatal(err)
			}
			plant(entry["token"].(map[string]any))
			raw, _ = json.Marshal(entry)
			if err := os.WriteFile(h.EntryPath(cmdtest.ServiceKey), raw, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, form := range evalForms {
				r := h.Run(cmdtest.ServiceKey, append([]string{"get", "--apikey", "-", "--instance-id", cmdtest.InstanceID, "--kp-endpoint", "https://kms.example.com"}, form.args...)...)
				if r.Code != 0 {
					t.Fatalf("%s, %s:\n%s", name, form.name, r)
				}
				assertInert(t, form.name, form.line, r)
			}
			if h.IAM.Count() != 2 {
				t.Fatalf("%s: the planted entry was served (%d IAM requests)", name, h.IAM.Count())
			}
		}
	})
	t.Run("token file", func(t *testing.T) {
		h := cmdtest.New(t)
		access := h.IAM.AccessToken(iamtest.ServiceID, "urn:ibm:params:oauth:grant-type:apikey", time.Hour)
		exp := time.Now().Add(time.Hour).Unix()
		for name, doc := range map[string]map[string]any{
			"token_type":         {"access_token": access, "token_type": hostileTyp, "refresh_token": "r", "expiration": exp},
			"quote in the token": {"access_token": access + psBreakout, "token_type": "Bearer", "refresh_token": "r", "expiration": exp},
		} {
			b, _ := json.Marshal(doc)
			file := h.Write("token.json", string(b))
			for _, args := range [][]string{
				{"refresh", "--file", file, "--min-validity", "1m", "--output", "raw"},
				{"inspect", "--file", file},
			} {
				r := h.Run("", args...)
				cmdtest.ExpectFailure(t, r, 1, "The token file "+file+" does not hold a Bearer access token in JWT form", "--file FILE")
				if strings.Contains(r.Stderr, access) {
					t.Fatalf("%s: the token was shown:\n%s", name, r)
				}
			}
		}
	})
	t.Run("CLI configuration", func(t *testing.T) {
		h := cmdtest.New(t)
		access := h.IAM.AccessToken(iamtest.User, "urn:ibm:params:oauth:grant-type:passcode", time.Hour)
		h.Login(iamtest.Session{AccessToken: access + psBreakout, Region: "us-south", Account: iamtest.User.Account})
		for _, form := range evalForms {
			r := h.Run("", append([]string{"get", "--instance-id", cmdtest.InstanceID}, form.args...)...)
			cmdtest.ExpectFailure(t, r, 1, "The access token of the CLI session is not a Bearer access token in JWT form", "ibmcloud login")
		}
	})
}

// TestServerNamesAreEscaped: the Resource Controller's instance name and
// region reach stderr as one line without control characters.
func TestServerNamesAreEscaped(t *testing.T) {
	h := cmdtest.New(t)
	rc := h.WithRC("")
	rc.Add(cmdtest.KPInstance(cmdtest.KPGUIDSouth, "kp\x1b]0;pwned\x07\rOK\nFAILED", "us-south", cmdtest.GroupID))
	r := h.Run("", "get", "--output", "header")
	if r.Code != 0 || strings.ContainsAny(r.Stderr, "\x1b\a\r") || strings.Count(r.Stderr, "\n") != 1 ||
		!strings.Contains(r.Stderr, `Using the Key Protect instance kp\x1b]0;pwned\a\rOK\nFAILED (`+cmdtest.KPGUIDSouth+`)`) {
		t.Fatalf("the instance name reached the terminal raw: %q", r.Stderr)
	}
}
