package kptoken_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/signals"
)

// The tests of this package are the SDK hand-off: they run the real
// binary the way 'ibmcloud' does (SendMetadata, then commands with
// IBMCLOUD_CONFIG_HOME and IBMCLOUD_PLUGIN_NAMESPACE set), for what only
// a process shows: metadata, the SDK's words and locale, the trace, the
// session's renewal and locking, signals, stdout that cannot be written,
// many processes at once. The commands' own behaviour is tested
// in-process beside each command (package cmdtest).

// binary is the real kp-token, built once with a stamped version.
// KP_TOKEN_TEST_BINARY names one built already: make cover builds it with
// -cover, and its runs write their counters to KP_TOKEN_COVERDIR.
var binary string

func TestMain(m *testing.M) {
	// The tests end kp-token runs with signals: they must reach them.
	signals.UnignoreForTests()
	if b := os.Getenv("KP_TOKEN_TEST_BINARY"); b != "" {
		binary = b
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "kp-token-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "kp-token")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.Command("go", "build", "-o", binary,
		"-ldflags", "-X github.com/kp-token/kp-token/plugin/kptoken.Version="+cmdtest.Version, "../..")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building kp-token:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newHost is a host that runs the real binary.
func newHost(t *testing.T) *cmdtest.Host {
	t.Helper()
	h := cmdtest.New(t)
	h.Binary = binary
	return h
}
