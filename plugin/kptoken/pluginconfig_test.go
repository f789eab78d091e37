package kptoken_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// TestPluginConfigHandOff: 'instances use' keeps its choice in the SDK's
// plug-in configuration (PluginContext.PluginConfig()), config.json in the
// plug-in's folder, in the shape the in-process runs read and write; a
// later run reads it back through the SDK, and a configuration the SDK
// cannot read is FAILED, not a panic.
func TestPluginConfigHandOff(t *testing.T) {
	h := newHost(t)
	rc := h.WithRC("")
	rc.Add(cmdtest.KPInstance(cmdtest.KPGUIDSouth, "kp-prod", "us-south", cmdtest.GroupID),
		cmdtest.KPInstance(cmdtest.KPGUIDSouth2, "kp-test", "us-south", cmdtest.GroupID))
	if r := h.Run("", "instances", "use", "kp-test"); r.Code != 0 || !strings.Contains(r.Stderr, cmdtest.KPGUIDSouth2) {
		t.Fatalf("use:\n%s", r)
	}
	m, _ := h.Settings()["instance/"+iamtest.User.Account+"/us-south"].(map[string]any)
	if m["guid"] != cmdtest.KPGUIDSouth2 || m["name"] != "kp-test" {
		t.Fatalf("the SDK's plug-in configuration holds %v", h.Settings())
	}
	if fi, err := os.Stat(filepath.Join(h.PluginDir(), "config.json")); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("config.json: %v, %v", fi, err)
	}
	r := h.Run("", "get", "--output", "header")
	if r.Code != 0 || !strings.HasSuffix(r.Stdout, "bluemix-instance: "+cmdtest.KPGUIDSouth2+"\n") || !strings.Contains(r.Stderr, "remembered by") {
		t.Fatalf("get:\n%s", r)
	}

	// A folder where the file should be: the SDK cannot load it.
	cfg := filepath.Join(h.PluginDir(), "config.json")
	if err := os.Remove(cfg); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(cfg, 0o700); err != nil {
		t.Fatal(err)
	}
	r = h.Run("", "get", "--output", "header")
	if r.Code != 1 || r.Stdout != "" || !strings.Contains(r.Stderr, "FAILED\nThe settings of kp-token in "+cfg+" cannot be read.") ||
		strings.Contains(r.Stderr, "goroutine") || strings.Contains(r.Stderr, "panic") {
		t.Fatalf("unreadable configuration:\n%s", r)
	}
}
