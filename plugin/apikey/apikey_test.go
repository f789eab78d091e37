package apikey

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kp-token/kp-token/plugin/failure"
)

const key = "Xy9_a8f7Gh2kLm3NpQ4rSt5uVw6xYz7A-b1C2d3E4f5G"

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFromFlag(t *testing.T) {
	svcJSON := `{"name":"kp","description":"","apikey":"` + key + `","createdAt":"2026-11-01T10:00+0000","locked":false}`
	tests := []struct {
		name    string
		value   func(t *testing.T) string
		stdin   string
		want    string
		kind    string
		wantErr string
	}{
		{"literal", func(*testing.T) string { return key }, "", key, "flag", ""},
		{"literal trimmed", func(*testing.T) string { return "  " + key + "\r\n" }, "", key, "flag", ""},
		{"empty", func(*testing.T) string { return "" }, "", "", "", "apikey_empty"},
		{"blank", func(*testing.T) string { return " \t\n" }, "", "", "", "apikey_empty"},
		{"literal with space", func(*testing.T) string { return "ab cd efgh" }, "", "", "", "apikey_malformed"},
		{"plain file", func(t *testing.T) string { return "@" + writeFile(t, key) }, "", key, "file", ""},
		{"file with BOM and CRLF", func(t *testing.T) string { return "@" + writeFile(t, "\ufeff"+key+"\r\n") }, "", key, "file", ""},
		{"service-api-key-create JSON", func(t *testing.T) string { return "@" + writeFile(t, svcJSON) }, "", key, "file", ""},
		{"JSON with BOM", func(t *testing.T) string { return "@" + writeFile(t, "\ufeff"+svcJSON+"\n") }, "", key, "file", ""},
		{"JSON without apikey", func(t *testing.T) string { return "@" + writeFile(t, `{"name":"kp"}`) }, "", "", "", "apikey_file_no_field"},
		{"JSON apikey given twice: the last one", func(t *testing.T) string {
			return "@" + writeFile(t, `{"apikey":"old","nested":{"apikey":"no"},"apikey":"`+key+`"}`)
		}, "", key, "file", ""},
		{"JSON apikey in another case", func(t *testing.T) string { return "@" + writeFile(t, `{"APIKEY":"`+key+`"}`) }, "", "", "", "apikey_file_no_field"},
		{"JSON apikey null", func(t *testing.T) string { return "@" + writeFile(t, `{"apikey":null}`) }, "", "", "", "apikey_file_no_field"},
		{"JSON with trailing data", func(t *testing.T) string { return "@" + writeFile(t, `{"apikey":"`+key+`"} x`) }, "", "", "", "apikey_file_bad_json"},
		{"JSON apikey not a string", func(t *testing.T) string { return "@" + writeFile(t, `{"apikey":42}`) }, "", "", "", "apikey_file_no_field"},
		{"broken JSON", func(t *testing.T) string { return "@" + writeFile(t, `{"apikey":`) }, "", "", "", "apikey_file_bad_json"},
		{"empty file", func(t *testing.T) string { return "@" + writeFile(t, "\n\n") }, "", "", "", "apikey_file_empty"},
		{"too large", func(t *testing.T) string { return "@" + writeFile(t, strings.Repeat("a", MaxSize+1)) }, "", "", "", "apikey_file_too_large"},
		{"exactly the limit is read", func(t *testing.T) string { return "@" + writeFile(t, strings.Repeat("a", MaxSize)) }, "", strings.Repeat("a", MaxSize), "file", ""},
		{"two lines", func(t *testing.T) string { return "@" + writeFile(t, key+"\n"+key) }, "", "", "", "apikey_file_malformed"},
		{"missing file", func(t *testing.T) string { return "@" + filepath.Join(t.TempDir(), "nope") }, "", "", "", "apikey_file_missing"},
		{"not a directory", func(t *testing.T) string { return "@" + filepath.Join(writeFile(t, key), "sub") }, "", "", "", "apikey_file_unreadable"},
		{"directory", func(t *testing.T) string { return "@" + t.TempDir() }, "", "", "", "apikey_file_is_dir"},
		{"@ alone", func(*testing.T) string { return "@" }, "", "", "", "apikey_file_unnamed"},
		{"stdin", func(*testing.T) string { return "-" }, key + "\n", key, "stdin", ""},
		{"stdin JSON", func(*testing.T) string { return "-" }, svcJSON, key, "stdin", ""},
		{"stdin empty", func(*testing.T) string { return "-" }, "", "", "", "apikey_stdin_empty"},
		{"stdin JSON without apikey", func(*testing.T) string { return "-" }, "{}", "", "", "apikey_stdin_no_field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := FromFlag(tt.value(t), strings.NewReader(tt.stdin))
			if tt.wantErr != "" {
				f, ok := failure.As(err)
				if !ok || f.Cause != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				if strings.Contains(f.Error(), key) {
					t.Fatalf("error text contains the key: %v", f)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if k.Value != tt.want || k.Origin.Kind != tt.kind {
				t.Fatalf("got %q (%s), want %q (%s)", k.Value, k.Origin.Kind, tt.want, tt.kind)
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	if k, err := FromEnv(" " + key + "\n"); err != nil || k.Value != key || k.Literal() {
		t.Fatalf("FromEnv key = %+v, %v", k, err)
	}
	p := writeFile(t, key)
	if k, err := FromEnv("@" + p); err != nil || k.Value != key || k.Origin.Kind != "env-file" {
		t.Fatalf("FromEnv @file = %+v, %v", k, err)
	}
	if _, err := FromEnv("   "); err == nil {
		t.Fatal("blank IBMCLOUD_API_KEY accepted")
	}
}

func FuzzParseKey(f *testing.F) {
	f.Add([]byte(key))
	f.Add([]byte(`{"apikey":"` + key + `"}`))
	f.Add([]byte("\ufeff{\"apikey\": \"\\u0041\"}\r\n"))
	f.Add([]byte("{"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := Parse(data)
		if err != nil {
			if _, ok := failure.As(err); !ok {
				t.Fatalf("error is not a localized failure: %v", err)
			}
			if k != "" {
				t.Fatalf("key returned with an error")
			}
			return
		}
		if k == "" || strings.ContainsAny(k, " \t\r\n") || strings.HasPrefix(k, "\ufeff") {
			t.Fatalf("Parse returned an unusable key %q", k)
		}
	})
}

// TestAValueThatNamesAFile: a value that names an existing file and does
// not look like what the option takes is the '@' forgotten: a usage
// failure that shows the command line with it, nothing read or sent. A
// value with the credential's shape is the credential, whatever the
// folder holds.
func TestAValueThatNamesAFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, name := range []string{"kp-automation.json", "my key.json", key, "token"} {
		if err := os.WriteFile(name, []byte(key), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.Mkdir("keys", 0o700)
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwb2QifQ.c2lnbmF0dXJl"
	tests := []struct {
		option, value   string
		cause, suggests string // "" when the value is taken as is
	}{
		{"--apikey", "kp-automation.json", "apikey_names_file", "--apikey @kp-automation.json"},
		{"--apikey", " kp-automation.json ", "apikey_names_file", "--apikey @kp-automation.json"},
		{"--apikey", filepath.Join(dir, "kp-automation.json"), "apikey_names_file", "--apikey @" + filepath.Join(dir, "kp-automation.json")},
		{"--apikey", "my key.json", "apikey_names_file", "--apikey '@my key.json'"},
		{"--cr-token", "token", "crtoken_names_file", "--cr-token @token"},
		{"--apikey", key, "", ""},          // a file by the key's name: still the key
		{"--apikey", "other.json", "", ""}, // no such file: a value like any other
		{"--apikey", "keys", "", ""},       // a folder is not a file
		{"--cr-token", jwt, "", ""},        // a JWT is a token
		{"--apikey", "@kp-automation.json", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.option+" "+tt.value, func(t *testing.T) {
			k, err := FromOption(tt.option, tt.value, strings.NewReader(""))
			if tt.cause == "" {
				if err != nil || k.Value == "" {
					t.Fatalf("FromOption = %+v, %v; want the value taken", k, err)
				}
				return
			}
			f, ok := failure.As(err)
			if !ok || f.Cause != tt.cause || !f.Usage() || f.Remedy != "apikey_names_file_remedy" || f.RemedyData["Suggestion"] != tt.suggests || k.Value != "" {
				t.Fatalf("FromOption = %+v, %#v; want %s suggesting %q", k, f, tt.cause, tt.suggests)
			}
		})
	}
}
