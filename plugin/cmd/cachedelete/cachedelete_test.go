package cachedelete_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestCacheDelete(t *testing.T) {
	h := cmdtest.New(t)
	h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q")
	h.Run(cmdtest.UserKey, "get", "--apikey", "-", "-q")

	r := h.RunEnv(map[string]string{"IBMCLOUD_API_KEY": cmdtest.ServiceKey}, "", "cache-delete")
	// What was deleted is said on stderr: stdout is for data (--output
	// json), the same in every language.
	if r.Code != 0 || r.Stdout != "" || !strings.Contains(r.Stderr, "Deleted the cached token of kp-automation ("+iamtest.ServiceID.IAMID+") for "+h.IAM.URL) ||
		!strings.Contains(r.Stderr, "1 cached token deleted.") {
		t.Fatalf("cache-delete:\n%s", r)
	}
	if _, err := os.Stat(h.EntryPath(cmdtest.ServiceKey)); !os.IsNotExist(err) {
		t.Fatal("entry still there")
	}
	if _, err := os.Stat(h.EntryPath(cmdtest.UserKey)); err != nil {
		t.Fatal("another key's entry was deleted")
	}
	if r := h.Run(cmdtest.ServiceKey, "cache-delete", "--apikey", "-"); r.Code != 0 || r.Stdout != "" || !strings.Contains(r.Stderr, "No cached token was found.") {
		t.Fatalf("second cache-delete:\n%s", r)
	}
	h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q")
	r = h.Run("", "cache-delete", "--all", "--output", "json")
	var removed struct {
		Tokens    []map[string]any `json:"tokens"`
		Instances []map[string]any `json:"instance_lookups"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &removed); err != nil || len(removed.Tokens) != 2 || removed.Instances == nil {
		t.Fatalf("cache-delete --all --output json:\n%s", r)
	}
	if left, _ := filepath.Glob(filepath.Join(h.CacheDir(), "*.json")); len(left) != 0 {
		t.Fatalf("entries left: %v", left)
	}
	cmdtest.AssertNoSecrets(t, "output", r.Stdout+r.Stderr, cmdtest.ServiceKey, cmdtest.UserKey)
	cmdtest.ExpectFailure(t, h.Run("", "cache-delete"), 2, "No API key was given", "ibmcloud kp-token cache-delete --help")
	cmdtest.ExpectFailure(t, h.Run(cmdtest.ServiceKey, "cache-delete", "--all", "--apikey", "-"), 2, "not both", "ibmcloud kp-token cache-delete --help")
}

func TestCacheDeleteOfAWorkloadSource(t *testing.T) {
	h := cmdtest.New(t)
	p := h.WithProfile()
	crFile := "@" + h.Write("cr-token", cmdtest.CRToken)
	if r := h.Run("", "get", "--cr-token", crFile, "--profile", p.ID, "-q"); r.Code != 0 {
		t.Fatalf("get:\n%s", r)
	}
	before := h.IAM.Count()
	r := h.Run("", "cache-delete", "--cr-token", crFile, "--profile", p.ID)
	if r.Code != 0 || r.Stdout != "" || !strings.Contains(r.Stderr, "1 cached token deleted.") {
		t.Fatalf("cache-delete:\n%s", r)
	}
	if r := h.Run("", "get", "--cr-token", crFile, "--profile", p.ID, "-q"); r.Code != 0 || h.IAM.Count() != before+1 {
		t.Fatalf("the entry was not deleted (IAM calls %d):\n%s", h.IAM.Count()-before, r)
	}
}

// TestCacheDeleteAllCountsWhatItRemoved: --all says how many tokens and
// instance lookups it deleted, and which; a cache that held only a lookup
// is not "no cached token was found".
func TestCacheDeleteAllCountsWhatItRemoved(t *testing.T) {
	h := cmdtest.New(t)
	h.WithRC("en_US").Add(cmdtest.KPInstance(cmdtest.KPGUIDSouth, "kp-prod", "us-south", cmdtest.GroupID))
	if r := h.Run("", "get", "--output", "header"); r.Code != 0 {
		t.Fatalf("get:\n%s", r)
	}

	r := h.Run("", "cache-delete", "--all")
	want := "Deleted the cached lookup of the Key Protect instance kp-prod (" + cmdtest.KPGUIDSouth + ") in us-south.\n" +
		"1 cached instance lookup deleted.\n"
	if r.Code != 0 || r.Stdout != "" || r.Stderr != want {
		t.Fatalf("cache-delete --all after a lookup:\n%s\nwant stdout:\n%s", r, want)
	}

	h.Run("", "get", "--output", "header")
	h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q")
	h.Run(cmdtest.UserKey, "get", "--apikey", "-", "-q")
	r = h.Run("", "cache-delete", "--all")
	if r.Code != 0 || !strings.Contains(r.Stderr, "2 cached tokens deleted.\n1 cached instance lookup deleted.\n") ||
		strings.Count(r.Stderr, "Deleted the cached token of ") != 2 || !strings.Contains(r.Stderr, "lookup of the Key Protect instance kp-prod") {
		t.Fatalf("cache-delete --all:\n%s", r)
	}

	// The same instance looked up two ways: two lookups, one sentence.
	h.Run("", "get", "--output", "header")
	h.Run("", "get", "--output", "header", "--instance", "kp-prod")
	r = h.Run("", "cache-delete", "--all")
	if r.Code != 0 || strings.Count(r.Stderr, "lookup of the Key Protect instance kp-prod") != 1 ||
		!strings.Contains(r.Stderr, "2 cached instance lookups deleted.\n") {
		t.Fatalf("cache-delete --all after two lookups of one instance:\n%s", r)
	}

	r = h.Run("", "cache-delete", "--all")
	if r.Code != 0 || r.Stdout != "" || r.Stderr != "The cache was empty: no token or instance lookup was deleted.\n" {
		t.Fatalf("cache-delete --all on an empty cache:\n%s", r)
	}
	if r := h.Run("", "cache-delete", "--all", "--output", "json"); r.Code != 0 || r.Stdout != "{\n  \"tokens\": [],\n  \"instance_lookups\": []\n}\n" {
		t.Fatalf("cache-delete --all --output json on an empty cache:\n%s", r)
	}
	if r := h.Run("", "cache-delete", "--all", "-q"); r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Fatalf("cache-delete --all -q:\n%s", r)
	}
}

var expiration = regexp.MustCompile(`"expiration": \d+`)

// TestCacheDeleteSaysWhatItDeletedOnStderr: in every language the
// sentences go to stderr (an unreadable entry has a sentence of its own,
// not a subject bolted into another), IBMCLOUD_QUIET hides them, and
// stdout is empty in human form and the same JSON in every language.
func TestCacheDeleteSaysWhatItDeletedOnStderr(t *testing.T) {
	fill := func(h *cmdtest.Host) {
		h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q")
		if err := os.WriteFile(filepath.Join(h.CacheDir(), "0000.json"), []byte("{not json"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		locale, removed, unreadable, count string
	}{
		{"en_US", "Deleted the cached token of kp-automation (", "Deleted an unreadable cache entry.", "2 cached tokens deleted."},
		{"fr_FR", "Jeton en cache supprimé (identité\u00a0: kp-automation (", "Une entrée de cache illisible a été supprimée.", "2 jetons en cache supprimés."},
		{"ja_JP", " 用の kp-automation (", "読み取れないキャッシュ項目を削除しました。", "キャッシュされたトークンを 2 個削除しました。"},
		{"zh_Hans", "已删除 kp-automation (", "已删除一个无法读取的高速缓存条目。", "已删除 2 个高速缓存令牌。"},
	}
	var jsonOut string
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			h := cmdtest.New(t)
			env := map[string]string{"LANG": tt.locale + ".UTF-8"}
			fill(h)
			r := h.RunEnv(env, "", "cache-delete", "--all")
			if r.Code != 0 || r.Stdout != "" || !strings.Contains(r.Stderr, tt.removed) || !strings.Contains(r.Stderr, tt.unreadable) ||
				!strings.Contains(r.Stderr, tt.count) {
				t.Fatalf("cache-delete --all:\n%s", r)
			}
			fill(h)
			env["IBMCLOUD_QUIET"] = "true"
			if r := h.RunEnv(env, "", "cache-delete", "--all"); r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
				t.Fatalf("cache-delete --all under IBMCLOUD_QUIET:\n%s", r)
			}
			fill(h)
			r = h.RunEnv(env, "", "cache-delete", "--all", "--output", "json")
			// The entries differ by the test's IAM address and the token's
			// expiry only.
			out := expiration.ReplaceAllString(strings.ReplaceAll(r.Stdout, h.IAM.URL, "IAM"), `"expiration": N`)
			if r.Code != 0 || !strings.Contains(out, `"iam_endpoint": "IAM"`) || (jsonOut != "" && out != jsonOut) {
				t.Fatalf("cache-delete --all --output json differs from en_US:\n%s\n--- en_US\n%s", out, jsonOut)
			}
			jsonOut = out
		})
	}
}
