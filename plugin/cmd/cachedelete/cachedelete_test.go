package cachedelete_test

import (
	"encoding/json"
	"os"
	"path/filepath"
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
	if r.Code != 0 || !strings.Contains(r.Stdout, "Deleted the cached token of kp-automation ("+iamtest.ServiceID.IAMID+") for "+h.IAM.URL) ||
		!strings.Contains(r.Stdout, "1 cached token deleted.") {
		t.Fatalf("cache-delete:\n%s", r)
	}
	if _, err := os.Stat(h.EntryPath(cmdtest.ServiceKey)); !os.IsNotExist(err) {
		t.Fatal("entry still there")
	}
	if _, err := os.Stat(h.EntryPath(cmdtest.UserKey)); err != nil {
		t.Fatal("another key's entry was deleted")
	}
	if r := h.Run(cmdtest.ServiceKey, "cache-delete", "--apikey", "-"); r.Code != 0 || !strings.Contains(r.Stdout, "No cached token was found.") {
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
	if r.Code != 0 || !strings.Contains(r.Stdout, "1 cached token deleted.") {
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
	if r.Code != 0 || r.Stdout != want {
		t.Fatalf("cache-delete --all after a lookup:\n%s\nwant stdout:\n%s", r, want)
	}

	h.Run("", "get", "--output", "header")
	h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q")
	h.Run(cmdtest.UserKey, "get", "--apikey", "-", "-q")
	r = h.Run("", "cache-delete", "--all")
	if r.Code != 0 || !strings.Contains(r.Stdout, "2 cached tokens deleted.\n1 cached instance lookup deleted.\n") ||
		strings.Count(r.Stdout, "Deleted the cached token of ") != 2 || !strings.Contains(r.Stdout, "lookup of the Key Protect instance kp-prod") {
		t.Fatalf("cache-delete --all:\n%s", r)
	}

	r = h.Run("", "cache-delete", "--all")
	if r.Code != 0 || r.Stdout != "The cache was empty: no token or instance lookup was deleted.\n" {
		t.Fatalf("cache-delete --all on an empty cache:\n%s", r)
	}
	if r := h.Run("", "cache-delete", "--all", "--output", "json"); r.Code != 0 || r.Stdout != "{\n  \"tokens\": [],\n  \"instance_lookups\": []\n}\n" {
		t.Fatalf("cache-delete --all --output json on an empty cache:\n%s", r)
	}
	if r := h.Run("", "cache-delete", "--all", "-q"); r.Code != 0 || r.Stdout != "" {
		t.Fatalf("cache-delete --all -q:\n%s", r)
	}
}
