package setup_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// setUp runs setup for kp-auto with its key in file and returns the key.
func setUp(t *testing.T, h *cmdtest.Host, file string, extra ...string) iamtest.APIKeyRecord {
	t.Helper()
	before := map[string]bool{}
	for _, k := range h.IAM.APIKeys() {
		before[k.ID] = true
	}
	r := h.Run("", append([]string{"setup", "--name", "kp-auto", "--instance-id", cmdtest.InstanceID, "--file", file}, extra...)...)
	if r.Code != 0 {
		t.Fatalf("setup:\n%s", r)
	}
	for _, k := range h.IAM.APIKeys() {
		if !before[k.ID] {
			return k
		}
	}
	t.Fatal("setup made no key")
	return iamtest.APIKeyRecord{}
}

// keyIn is the API key a key file holds.
func keyIn(t *testing.T, file string) string {
	t.Helper()
	doc := cmdtest.ReadTokenFile(t, file)
	k, _ := doc["apikey"].(string)
	return k
}

// expectFailed checks a failure that follows notices: nothing on stdout,
// FAILED, then the texts in order.
func expectFailed(t *testing.T, r cmdtest.Result, code int, texts ...string) {
	t.Helper()
	if r.Code != code || r.Stdout != "" {
		t.Fatalf("want exit %d and nothing on stdout:\n%s", code, r)
	}
	cmdtest.AssertInOrder(t, r, append([]string{"FAILED\n"}, texts...)...)
}

// works reports whether IAM gives a token for key.
func works(h *cmdtest.Host, key string) bool {
	return h.Run(key, "get", "--apikey", "-", "--no-cache", "-q").Code == 0
}

func TestRotateReplacesTheKeyInTheFile(t *testing.T) {
	for _, format := range []string{"", "json"} {
		t.Run("output "+format, func(t *testing.T) {
			h, _ := setupHost(t)
			file := filepath.Join(h.Home, "kp-auto.json")
			old := setUp(t, h, file)
			args := []string{"setup", "--rotate", "--name", "kp-auto", "--file", file}
			if format != "" {
				args = append(args, "--output", format)
			}
			r := h.Run("", args...)
			keys := h.IAM.APIKeys()
			if r.Code != 0 || len(keys) != 1 || keys[0].ID == old.ID || keys[0].Name != "kp-auto" {
				t.Fatalf("want one new key named kp-auto (%d keys):\n%s", len(keys), r)
			}
			fresh := keys[0]
			if keyIn(t, file) != fresh.Key || works(h, old.Key) || !works(h, fresh.Key) {
				t.Fatal("the file does not hold the new key, or the old key still works, or the new one does not")
			}
			if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v %v", st, err)
			}
			if _, err := os.Lstat(file + ".new"); err == nil {
				t.Fatal("the pending file was left")
			}
			if fresh.Description == "" || fresh.Description != old.Description {
				t.Fatalf("the new key's description %q is not the old one's %q", fresh.Description, old.Description)
			}
			cmdtest.AssertNoSecrets(t, "output", r.Stdout+r.Stderr, old.Key, fresh.Key)
			if format == "json" {
				res := cmdtest.JSONOf(t, r)
				deleted, _ := res["deleted_apikey_ids"].([]any)
				kept, _ := res["kept_apikey_ids"].([]any)
				if res["apikey_id"] != fresh.ID || len(deleted) != 1 || deleted[0] != old.ID || kept == nil || len(kept) != 0 ||
					res["file"] != file || res["service_id"] != h.IAM.ServiceIDs()[0].ID {
					t.Fatalf("JSON: %v", res)
				}
				return
			}
			if r.Stdout != "" {
				t.Fatalf("the report reached stdout (data only):\n%s", r)
			}
			for _, want := range []string{"\nOK\n", "kp-auto (" + fresh.ID + ")", "Old API keys deleted:  " + old.ID} {
				if !strings.Contains(r.Stderr, want) {
					t.Fatalf("want %q on stderr:\n%s", want, r)
				}
			}
			if !strings.Contains(r.Stderr, "Deleting the old API key "+old.ID) {
				t.Fatalf("no progress:\n%s", r)
			}
		})
	}
}

func TestRotateKeepOld(t *testing.T) {
	h, _ := setupHost(t)
	file := filepath.Join(h.Home, "kp-auto.json")
	old := setUp(t, h, file)
	r := h.Run("", "setup", "--rotate", "--name", "kp-auto", "--file", file, "--keep-old", "--output", "json")
	res := cmdtest.JSONOf(t, r)
	kept, _ := res["kept_apikey_ids"].([]any)
	if r.Code != 0 || len(h.IAM.APIKeys()) != 2 || len(kept) != 1 || kept[0] != old.ID || !works(h, old.Key) || !works(h, keyIn(t, file)) {
		t.Fatalf("want both keys kept and working:\n%s", r)
	}
}

// TestRotateWithoutAFile: with no key file to say which key is replaced,
// the older keys kp-token made (named like the service ID) are.
func TestRotateWithoutAFile(t *testing.T) {
	h, _ := setupHost(t)
	first := setUp(t, h, filepath.Join(h.Home, "first.json"))
	second := setUp(t, h, filepath.Join(h.Home, "second.json"), "--reuse")
	other := h.IAM.AddServiceIDKey(h.IAM.ServiceIDs()[0], "ci-pipeline")
	file := filepath.Join(h.Home, "kp-auto.json")
	r := h.Run("", "setup", "--rotate", "--name", "kp-auto", "--file", file)
	if r.Code != 0 || works(h, first.Key) || works(h, second.Key) || !works(h, other.Key) || !works(h, keyIn(t, file)) {
		t.Fatalf("want the keys named kp-auto replaced, ci-pipeline's kept:\n%s", r)
	}
	cmdtest.AssertInOrder(t, r, "Deleting the old API key "+first.ID, "Deleting the old API key "+second.ID)
	if len(h.IAM.APIKeys()) != 2 {
		t.Fatalf("%d keys", len(h.IAM.APIKeys()))
	}
}

func TestRotateRefusals(t *testing.T) {
	tests := []struct {
		name          string
		prepare       func(t *testing.T, h *cmdtest.Host, file string) []string
		code          int
		cause, remedy string
	}{
		{"no service ID of that name", func(t *testing.T, h *cmdtest.Host, file string) []string {
			return []string{"--name", "nobody"}
		}, 1, "No service ID named nobody was found in the account " + iamtest.User.Account + "; nothing was changed.", "ibmcloud iam service-ids"},
		{"several service IDs of that name", func(t *testing.T, h *cmdtest.Host, file string) []string {
			h.IAM.AddServiceID(iamtest.User.Account, "kp-auto")
			return []string{"--name", "kp-auto", "--file", file}
		}, 1, "Several service IDs are named kp-auto in the account " + iamtest.User.Account + " (ServiceId-", "ibmcloud iam service-id-delete"},
		{"a key of another service ID in the file", func(t *testing.T, h *cmdtest.Host, file string) []string {
			other := h.IAM.AddServiceID(iamtest.User.Account, "other")
			if err := os.WriteFile(file, []byte(`{"apikey":"`+h.IAM.AddServiceIDKey(other, "other").Key+`"}`), 0o600); err != nil {
				t.Fatal(err)
			}
			return []string{"--name", "kp-auto", "--file", file}
		}, 1, "The API key in FILE is not a key of the service ID kp-auto (ServiceId-", "--file FILE"},
		{"a user's key in the file", func(t *testing.T, h *cmdtest.Host, file string) []string {
			_ = os.WriteFile(file, []byte(cmdtest.UserKey), 0o600)
			return []string{"--name", "kp-auto", "--file", file}
		}, 1, "The API key in FILE is not a key of the service ID kp-auto", "--file FILE"},
		{"a pending file", func(t *testing.T, h *cmdtest.Host, file string) []string {
			_ = os.WriteFile(file+".new", []byte("theirs"), 0o600)
			return []string{"--name", "kp-auto", "--file", file}
		}, 1, "The file FILE.new exists: an interrupted rotation may have left a new API key in it. Nothing was changed.", "pass -f"},
		{"a link for a file", func(t *testing.T, h *cmdtest.Host, file string) []string {
			target := h.Write("elsewhere.json", "x")
			_ = os.Remove(file)
			if err := os.Symlink(target, file); err != nil {
				t.Skip(err)
			}
			return []string{"--name", "kp-auto", "--file", file}
		}, 1, "The file FILE is not a regular file; nothing was changed.", "not a link"},
		{"no name", func(t *testing.T, h *cmdtest.Host, file string) []string { return nil }, 2,
			"The option --name is required with --rotate", "Incorrect Usage"},
		{"an option of the creation", func(t *testing.T, h *cmdtest.Host, file string) []string {
			return []string{"--name", "kp-auto", "--role", "Writer"}
		}, 2, "The option --role cannot be used with --rotate.", "Incorrect Usage"},
		{"both forms", func(t *testing.T, h *cmdtest.Host, file string) []string {
			return []string{"--name", "kp-auto", "--remove"}
		}, 2, "Give either --rotate or --remove, not both.", "Incorrect Usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := setupHost(t)
			file := filepath.Join(h.Home, "kp-auto.json")
			old := setUp(t, h, file)
			args := tt.prepare(t, h, file)
			content, _ := os.ReadFile(file)
			keys := len(h.IAM.APIKeys())
			r := h.Run("", append([]string{"setup", "--rotate"}, args...)...)
			cmdtest.ExpectFailure(t, r, tt.code, strings.ReplaceAll(tt.cause, "FILE", file), tt.remedy)
			if len(h.IAM.APIKeys()) != keys || !works(h, old.Key) {
				t.Fatal("a key was made or deleted")
			}
			if now, _ := os.ReadFile(file); string(now) != string(content) {
				t.Fatal("the key file was changed")
			}
		})
	}
}

// TestRotateReplacesAPendingFileWithForce: -f replaces what an interrupted
// rotation left.
func TestRotateReplacesAPendingFileWithForce(t *testing.T) {
	h, _ := setupHost(t)
	file := filepath.Join(h.Home, "kp-auto.json")
	old := setUp(t, h, file)
	_ = os.WriteFile(file+".new", []byte("left over"), 0o600)
	r := h.Run("", "setup", "--rotate", "--name", "kp-auto", "--file", file, "-f")
	if r.Code != 0 || works(h, old.Key) || !works(h, keyIn(t, file)) {
		t.Fatalf("rotate -f:\n%s", r)
	}
	if _, err := os.Lstat(file + ".new"); err == nil {
		t.Fatal("the pending file was left")
	}
}

// TestRotateAKeyIAMForgot: a file whose key IAM no longer knows gets a new
// key; nothing is deleted for it.
func TestRotateAKeyIAMForgot(t *testing.T) {
	h, _ := setupHost(t)
	file := filepath.Join(h.Home, "kp-auto.json")
	setUp(t, h, file)
	other := setUp(t, h, filepath.Join(h.Home, "other.json"), "--reuse")
	if err := os.WriteFile(file, []byte(`{"apikey":"Zz9_gone0000000000000000000000000000000000000"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := h.Run("", "setup", "--rotate", "--name", "kp-auto", "--file", file)
	if r.Code != 0 || !strings.Contains(r.Stderr, "IAM does not know the API key in "+file) || len(h.IAM.APIKeys()) != 3 ||
		!works(h, other.Key) || !works(h, keyIn(t, file)) {
		t.Fatalf("want the file replaced and no key deleted:\n%s", r)
	}
}

// TestRotateFailuresKeepTheOldKey: until the new key is in the file,
// every failure undoes what the rotation made, and the old key stays in
// the file, valid.
func TestRotateFailuresKeepTheOldKey(t *testing.T) {
	bad := iamtest.Reply{Status: 400, ContentType: "application/json", Body: `{"errorCode":"BXNIM0109E","errorMessage":"Invalid request."}`}
	rejected := iamtest.Reply{Status: 400, ContentType: "application/json", Body: `{"errorCode":"BXNIM0438E","errorMessage":"The API key is locked."}`}
	tests := []struct {
		name    string
		prepare func(h *cmdtest.Host, file string)
		cause   string
		lines   []string
	}{
		{"the key list", func(h *cmdtest.Host, file string) { h.IAM.FailNext("GET /v1/apikeys$", bad) },
			"could not list the API keys of the service ID", nil},
		{"the key's details", func(h *cmdtest.Host, file string) { h.IAM.FailNext("GET /v1/apikeys/details", bad) },
			"could not say which API key the file " + "FILE" + " holds (HTTP 400): Invalid request.", nil},
		{"the new key", func(h *cmdtest.Host, file string) { h.IAM.FailNext("POST /v1/apikeys", bad) },
			"could not create the API key (HTTP 400)", nil},
		{"the new key, made then reset", func(h *cmdtest.Host, file string) { h.IAM.FailAfter("POST /v1/apikeys", iamtest.Reply{Reset: true}) },
			"The connection was closed before an answer came.", []string{"Undone: the API key ApiKey-", "No API key was deleted: the old ones are still valid."}},
		{"the token for the new key", func(h *cmdtest.Host, file string) { h.IAM.Script(rejected) },
			"IAM did not give a token for the new API key ApiKey-", []string{"Undone: the API key file FILE.new", "Undone: the API key ApiKey-", "No API key was deleted"}},
		{"a file changed meanwhile", func(h *cmdtest.Host, file string) {
			hold := h.IAM.HoldNext("POST /identity/token")
			go func() {
				<-hold.Arrived
				_ = os.WriteFile(file, []byte(`{"apikey":"`+cmdtest.ServiceKey+`"}`), 0o600)
				hold.Release()
			}()
		}, "The file FILE changed while the rotation ran; it was left unchanged.", []string{"Undone: the API key file FILE.new", "Undone: the API key ApiKey-"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := setupHost(t)
			file := filepath.Join(h.Home, "kp-auto.json")
			old := setUp(t, h, file)
			tt.prepare(h, file)
			r := h.Run("", "setup", "--rotate", "--name", "kp-auto", "--file", file)
			cause := strings.ReplaceAll(tt.cause, "FILE", file)
			if r.Code != 1 || r.Stdout != "" || !strings.Contains(r.Stderr, "FAILED\n") || !strings.Contains(r.Stderr, cause) {
				t.Fatalf("want FAILED and %q:\n%s", cause, r)
			}
			var lines []string
			for _, l := range tt.lines {
				lines = append(lines, strings.ReplaceAll(l, "FILE", file))
			}
			cmdtest.AssertInOrder(t, r, lines...)
			if keys := h.IAM.APIKeys(); len(keys) != 1 || keys[0].ID != old.ID || !works(h, old.Key) {
				t.Fatalf("want only the old key, valid (%d keys):\n%s", len(keys), r)
			}
			if tt.name != "a file changed meanwhile" && keyIn(t, file) != old.Key {
				t.Fatal("the file lost the old key")
			}
			cmdtest.AssertNoKeyFile(t, file+".new")
		})
	}
}

// TestRotateWaitsForANewKey: IAM may not know a key made a moment ago; the
// exchange is tried again.
func TestRotateWaitsForANewKey(t *testing.T) {
	h, _ := setupHost(t)
	file := filepath.Join(h.Home, "kp-auto.json")
	old := setUp(t, h, file)
	h.IAM.Script(iamtest.Reply{Status: 400, ContentType: "application/json",
		Body: `{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found."}`})
	start := time.Now()
	r := h.Run("", "setup", "--rotate", "--name", "kp-auto", "--file", file)
	if r.Code != 0 || works(h, old.Key) || !works(h, keyIn(t, file)) || time.Since(start) < time.Second {
		t.Fatalf("want the exchange tried again after a pause:\n%s", r)
	}
}

// TestRotateOldKeyDeletion: once the file holds the new key, an old key
// IAM does not delete is said, with the command that deletes it, and a
// deletion whose answer was lost is looked up.
func TestRotateOldKeyDeletion(t *testing.T) {
	forbidden := iamtest.Reply{Status: 403, ContentType: "application/json", Body: `{"errorCode":"BXNIM0513E","errorMessage":"You are not authorized."}`}
	busy := iamtest.Reply{Status: 503, ContentType: "application/json", Body: `{"errorCode":"BXNIM0999E","errorMessage":"Service unavailable."}`}
	t.Run("refused", func(t *testing.T) {
		h, _ := setupHost(t)
		file := filepath.Join(h.Home, "kp-auto.json")
		old := setUp(t, h, file)
		h.IAM.FailNext("DELETE /v1/apikeys/", forbidden)
		r := h.Run("", "setup", "--rotate", "--name", "kp-auto", "--file", file)
		sid := h.IAM.ServiceIDs()[0].ID
		expectFailed(t, r, 1, "could not delete the old API key "+old.ID+" (HTTP 403): You are not authorized.",
			"The new API key ApiKey-", "is saved to "+file+" and works.",
			"Not deleted: the old API key "+old.ID+" is still valid. Delete it by running 'ibmcloud iam service-api-key-delete "+old.ID+" "+sid+" -f'.",
			"Administrator role")
		if !works(h, old.Key) || !works(h, keyIn(t, file)) || keyIn(t, file) == old.Key {
			t.Fatal("want the new key in the file and the old one left")
		}
	})
	t.Run("deleted, then 503", func(t *testing.T) {
		h, _ := setupHost(t)
		file := filepath.Join(h.Home, "kp-auto.json")
		old := setUp(t, h, file)
		h.IAM.FailAfter("DELETE /v1/apikeys/", busy)
		r := h.Run("", "setup", "--rotate", "--name", "kp-auto", "--file", file, "--output", "json")
		deleted, _ := cmdtest.JSONOf(t, r)["deleted_apikey_ids"].([]any)
		if r.Code != 0 || len(deleted) != 1 || deleted[0] != old.ID || works(h, old.Key) {
			t.Fatalf("want the deletion found done:\n%s", r)
		}
	})
	t.Run("unclear, and the lookup fails", func(t *testing.T) {
		h, _ := setupHost(t)
		file := filepath.Join(h.Home, "kp-auto.json")
		old := setUp(t, h, file)
		h.IAM.FailNext("DELETE /v1/apikeys/", busy)
		h.IAM.FailNext("DELETE /v1/apikeys/", busy)
		h.IAM.FailNext("DELETE /v1/apikeys/", busy)
		h.IAM.FailNext("DELETE /v1/apikeys/", busy)
		// The listing before the create passes; the lookup after fails.
		h.IAM.FailNext("GET /v1/apikeys$", iamtest.Reply{Status: 200, ContentType: "application/json", Body: `{"apikeys":[]}`})
		h.IAM.FailNext("GET /v1/apikeys$", forbidden)
		r := h.Run("", "setup", "--rotate", "--name", "kp-auto", "--file", file)
		sid := h.IAM.ServiceIDs()[0].ID
		expectFailed(t, r, 1, "could not delete the old API key "+old.ID+" (HTTP 503)",
			"Not verified: the old API key "+old.ID+" may have been deleted. Check by running 'ibmcloud iam service-api-keys "+sid+"'.")
	})
}

// TestRotateAndRemoveLocalized: the later steps speak the CLI's language
// on stderr; their JSON is the same in every language.
func TestRotateAndRemoveLocalized(t *testing.T) {
	for _, tt := range []struct {
		locale, rotating, needsForce, deleted string
	}{
		{"fr_FR", "Création d'une nouvelle clé d'API pour l'ID de service kp-auto (", "L'entrée standard n'est pas un terminal\u00a0: la suppression ne peut pas demander de confirmation.",
			"Suppression de l'ID de service kp-auto ("},
		{"ko_KR", "서비스 ID kp-auto(", "표준 입력이 터미널이 아니므로 제거 시 확인을 요청할 수 없습니다.", "및 해당 API 키를 삭제하는 중..."},
	} {
		t.Run(tt.locale, func(t *testing.T) {
			h, _ := setupHost(t)
			h.LoginUser(time.Hour, func(s *iamtest.Session) { s.Locale = tt.locale })
			file := filepath.Join(h.Home, "kp-auto.json")
			setUp(t, h, file)
			r := h.Run("", "setup", "--rotate", "--name", "kp-auto", "--file", file, "--output", "json")
			if r.Code != 0 || !strings.Contains(r.Stderr, tt.rotating) || cmdtest.JSONOf(t, r)["apikey_id"] != h.IAM.APIKeys()[0].ID {
				t.Fatalf("rotate:\n%s", r)
			}
			r = h.Run("", "setup", "--remove", "--name", "kp-auto")
			if r.Code != 2 || !strings.Contains(r.Stderr, tt.needsForce) {
				t.Fatalf("remove without -f:\n%s", r)
			}
			r = h.Run("", "setup", "--remove", "--name", "kp-auto", "-f")
			if r.Code != 0 || !strings.Contains(r.Stderr, tt.deleted) {
				t.Fatalf("remove:\n%s", r)
			}
		})
	}
}
