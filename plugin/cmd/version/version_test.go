package version_test

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/cmd/version"
)

func TestNewCmdVersion(t *testing.T) {
	for args, want := range map[string]string{"": "", "-q": "quiet", "--output json": "json"} {
		var got *version.VersionOptions
		if err := cmdtest.Parse(version.NewCmdVersion(cmdtest.Factory(), func(o *version.VersionOptions) error { got = o; return nil }), args); err != nil {
			t.Fatal(err)
		}
		if (want == "quiet") != got.Output.Quiet || (want == "json") != (got.Output.Output == "json") {
			t.Errorf("%q: options = %+v", args, got.Output)
		}
	}
}

// TestVersion runs it in-process: the stamped version in every form.
func TestVersion(t *testing.T) {
	h := cmdtest.New(t)
	r := h.Run("", "version")
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "kp-token "+cmdtest.Version+" (commit unknown") || !strings.Contains(r.Stdout, runtime.Version()) {
		t.Fatalf("version:\n%s", r)
	}
	if r := h.Run("", "version", "-q"); r.Stdout != cmdtest.Version+"\n" {
		t.Fatalf("version -q:\n%s", r)
	}
	var v map[string]string
	r = h.Run("", "version", "--output", "json")
	if err := json.Unmarshal([]byte(r.Stdout), &v); err != nil || v["version"] != cmdtest.Version || v["commit"] != "unknown" ||
		v["platform"] != runtime.GOOS+"/"+runtime.GOARCH {
		t.Fatalf("version json: %v\n%s", err, r)
	}
	cmdtest.ExpectFailure(t, h.Run("", "version", "--output", "yaml"), 2, "yaml", "ibmcloud kp-token version --help")
}
