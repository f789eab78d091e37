package kptoken_test

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestSessionRenewalUsesTheCLITimeout(t *testing.T) {
	h := newHost(t)
	h.LoginUser(time.Minute, func(s *iamtest.Session) { s.HTTPTimeout = 1 })
	h.IAM.SetDelay(3 * time.Second)
	// Without the CLI's timeout the SDK's client would wait and succeed.
	r := h.Run("", "get")
	cmdtest.ExpectFailure(t, r, 1, " within 1 second.", "http-timeout")
}

func TestUnknownCommandAndBrokenStdout(t *testing.T) {
	h := newHost(t)
	cmdtest.ExpectFailure(t, h.Run("", "nosuch"), 2, "The command nosuch is unknown.", "ibmcloud kp-token --help")
	if runtime.GOOS != "linux" {
		return
	}
	// A stdout that cannot be written is a failure, not a silent success.
	cmd := exec.Command(binary, "get", "--apikey", "-", "-q")
	for k, v := range h.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = strings.NewReader(cmdtest.ServiceKey)
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full")
	}
	defer full.Close()
	var errb strings.Builder
	cmd.Stdout, cmd.Stderr = full, &errb
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(errb.String(), "could not be written to standard output") {
		t.Fatalf("writing to a full Stdout: %v\n%s", err, errb.String())
	}
	cmdtest.AssertNoSecrets(t, "stderr", errb.String(), cmdtest.ServiceKey)
}
