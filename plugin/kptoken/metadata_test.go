package kptoken_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sdk "github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"
	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
)

func TestSendMetadata(t *testing.T) {
	h := newHost(t)
	// SendMetadata must not read or write the session: point the CLI at an
	// empty folder and check it stays empty.
	empty := t.TempDir()
	r := h.RunEnv(map[string]string{"IBMCLOUD_CONFIG_HOME": empty}, "", "SendMetadata")
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("SendMetadata failed:\n%s", r)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Fatalf("SendMetadata touched the config folder: %v", entries)
	}
	var md sdk.PluginMetadata
	dec := json.NewDecoder(strings.NewReader(r.Stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&md); err != nil {
		t.Fatalf("stdout is not the metadata JSON alone: %v\n%s", err, r.Stdout)
	}
	if dec.More() {
		t.Fatalf("stdout has more than the metadata: %s", r.Stdout)
	}
	if md.Name != "kp-token" || md.Version.String() != cmdtest.Version || md.MinCliVersion.String() != "2.0.0" ||
		!md.IsCobraPlugin || !md.PrivateEndpointSupported || md.SDKVersion.String() == "0.0.0" {
		t.Fatalf("metadata = %+v", md)
	}
	if len(md.Namespaces) != 1 || md.Namespaces[0].Name != "kp-token" {
		t.Fatalf("namespaces = %+v", md.Namespaces)
	}
	names := map[string]sdk.Command{}
	for _, c := range md.Commands {
		names[c.Name] = c
	}
	for _, want := range []string{"get", "refresh", "inspect", "cache-delete"} {
		c, ok := names[want]
		if !ok {
			t.Fatalf("command %s missing from metadata", want)
		}
		if !strings.HasPrefix(c.Usage, "ibmcloud kp-token "+want) || c.Namespace != "kp-token" {
			t.Errorf("command %s: %+v", want, c)
		}
	}
	flags := map[string]bool{}
	for _, f := range names["get"].Flags {
		flags[f.Name] = f.HasValue
	}
	if v, ok := flags["apikey"]; !ok || !v {
		t.Errorf("get --apikey flag missing or without value: %v", flags)
	}
	if v, ok := flags["q,quiet"]; !ok || v {
		t.Errorf("get -q,--quiet flag missing or with value: %v", flags)
	}

	// The SDK's own validator: no ERROR, no WARNING.
	errs := sdk.NewPluginMetadataValidator().Errors([]sdk.PluginMetadata{md})
	for _, e := range errs["kp-token"] {
		if e.Priority == sdk.PriorityError || e.Priority == sdk.PriorityWarning {
			t.Errorf("validator %s: %s %s: %s", e.Priority, e.Namespace, e.CommandName, e.Error)
		}
	}
}

// TestValidatorCatchesBadMetadata shows the validation above can fail.
func TestValidatorCatchesBadMetadata(t *testing.T) {
	md := sdk.PluginMetadata{
		Name: "kp-token", Version: sdk.VersionType{Major: 1}, MinCliVersion: sdk.VersionType{Major: 2},
		Namespaces: []sdk.Namespace{{Name: "kp-token"}},
		Commands:   []sdk.Command{{Namespace: "kp-token", Name: "get", Description: "get a token", Usage: "ibmcloud kp-token get --output json"}},
	}
	if errs := sdk.NewPluginMetadataValidator().Errors([]sdk.PluginMetadata{md}); len(errs["kp-token"]) == 0 {
		t.Fatal("validator accepted a lowercase description and a lowercase argument")
	}
}

func TestSendMetadataLocalizedFromEnvironment(t *testing.T) {
	h := newHost(t)
	r := h.RunEnv(map[string]string{"LANG": "fr_FR.UTF-8"}, "", "SendMetadata")
	var md sdk.PluginMetadata
	if err := json.Unmarshal([]byte(r.Stdout), &md); err != nil {
		t.Fatal(err)
	}
	for _, c := range md.Commands {
		if c.Name == "get" && !strings.HasPrefix(c.Description, "Obtenir") {
			t.Fatalf("French metadata expected, got %q", c.Description)
		}
	}
	// A corrupt session does not matter to SendMetadata.
	os.WriteFile(filepath.Join(h.Home, "config.json"), []byte("{not json"), 0o600)
	if r := h.Run("", "SendMetadata"); r.Code != 0 || !strings.HasPrefix(r.Stdout, "{") {
		t.Fatalf("SendMetadata with corrupt session:\n%s", r)
	}
}
