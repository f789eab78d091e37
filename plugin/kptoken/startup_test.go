package kptoken_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The start-up settings pay only if they come before the libraries'
// tables are built (package startup says why): the real binary's init
// trace must show plugin/startup before them.
func TestStartupInitializesFirst(t *testing.T) {
	cmd := exec.Command(binary, "SendMetadata")
	cmd.Env = []string{"GODEBUG=inittrace=1"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	order := map[string]int{}
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		// init github.com/... @0.31 ms, 0.004 ms clock, 0 bytes, 0 allocs
		f := strings.Fields(line)
		if len(f) > 1 && f[0] == "init" {
			order[f[1]] = n
			n++
		}
	}
	start, ok := order["github.com/kp-token/kp-token/plugin/startup"]
	if !ok {
		t.Fatalf("plugin/startup did not initialize (is main importing it?):\n%s", out)
	}
	for _, heavy := range []string{
		"github.com/go-playground/validator/v10",
		"github.com/go-openapi/strfmt",
		"github.com/IBM-Cloud/ibm-cloud-cli-sdk/i18n",
		"github.com/IBM/go-sdk-core/v5/core",
		"github.com/itchyny/gojq",
	} {
		i, ok := order[heavy]
		if !ok {
			t.Errorf("%s has no init in the trace: update this list", heavy)
			continue
		}
		if i < start {
			t.Errorf("%s initializes before plugin/startup (%d < %d)", heavy, i, start)
		}
	}
}
