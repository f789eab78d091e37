package exec_test

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
)

func TestExecKeepsCredentialsFromTheCommand(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	h := cmdtest.New(t)
	env := map[string]string{"IBMCLOUD_API_KEY": cmdtest.ServiceKey, "BLUEMIX_API_KEY": cmdtest.UserKey, "IBMCLOUD_CR_TOKEN": cmdtest.CRToken, "KP_TEST_KEPT": "kept"}
	credentials := []string{"IBMCLOUD_API_KEY", "BLUEMIX_API_KEY", "IBMCLOUD_CR_TOKEN"}
	args := []string{"exec", "--instance-id", cmdtest.InstanceID, "--kp-endpoint", "http://127.0.0.1:9", "--", "sh", "-c", "env"}
	t.Run("removed by default", func(t *testing.T) {
		// IBMCLOUD_API_KEY is the source of the token here.
		r := h.RunEnv(env, "", args...)
		if r.Code != 0 || !strings.Contains(r.Stdout, "\nKP_ACCESS_TOKEN=Bearer ") || !strings.Contains(r.Stdout, "\nKP_TEST_KEPT=kept\n") {
			t.Fatalf("exec:\n%s", r)
		}
		for _, name := range credentials {
			if strings.Contains(r.Stdout, name+"=") {
				t.Errorf("the command got %s", name)
			}
		}
		cmdtest.AssertNoSecrets(t, "the command's environment", r.Stdout, cmdtest.ServiceKey, cmdtest.UserKey, cmdtest.CRToken)
	})
	t.Run("kept with --keep-env", func(t *testing.T) {
		r := h.RunEnv(env, "", append([]string{"exec", "--keep-env"}, args[1:]...)...)
		for _, kv := range []string{"IBMCLOUD_API_KEY=" + cmdtest.ServiceKey, "BLUEMIX_API_KEY=" + cmdtest.UserKey, "IBMCLOUD_CR_TOKEN=" + cmdtest.CRToken} {
			if r.Code != 0 || !strings.Contains(r.Stdout, "\n"+kv+"\n") {
				t.Fatalf("want %.20s... in the command's environment (exit %d)", kv, r.Code)
			}
		}
	})
}

func TestExec(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	h := cmdtest.New(t)
	key := "@" + h.Write("key", cmdtest.ServiceKey)
	base := []string{"exec", "--apikey", key, "--instance-id", cmdtest.InstanceID, "--kp-endpoint", "http://127.0.0.1:9", "--"}
	t.Run("environment, argv and exit status", func(t *testing.T) {
		r := h.Run("", append(base, "sh", "-c", `printf '%s\n%s\n%s\n' "$KP_ACCESS_TOKEN" "$KP_INSTANCE_ID" "$KP_ENDPOINT"; printf 'argv:%s\n' "$0 $*" >&2; exit 7`, "arg0", "arg1")...)
		if r.Code != 7 {
			t.Fatalf("want the child's exit status 7:\n%s", r)
		}
		lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "Bearer ") || lines[1] != cmdtest.InstanceID || lines[2] != "http://127.0.0.1:9" {
			t.Fatalf("child environment:\n%s", r)
		}
		tok := strings.TrimPrefix(lines[0], "Bearer ")
		if !h.IAM.Verify(tok) {
			t.Fatal("the child got a token IAM did not sign")
		}
		if !strings.Contains(r.Stderr, "argv:arg0 arg1") || strings.Contains(r.Stderr, tok) {
			t.Fatalf("the child's argv holds the token or lost its arguments:\n%s", r)
		}
	})
	t.Run("stdin passes through", func(t *testing.T) {
		r := h.Run("hello from stdin\n", append(base, "cat")...)
		if r.Code != 0 || r.Stdout != "hello from stdin\n" {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("no -- needed", func(t *testing.T) {
		r := h.Run("", "exec", "--apikey", key, "--instance-id", cmdtest.InstanceID, "--kp-endpoint", "http://127.0.0.1:9", "-q", "sh", "-c", "exit 3")
		if r.Code != 3 || r.Stderr != "" {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("command not found", func(t *testing.T) {
		r := h.Run("", append(base, "no-such-command-kp-token")...)
		cmdtest.ExpectFailure(t, r, 127, "The command no-such-command-kp-token was not found", "PATH")
	})
	t.Run("no command", func(t *testing.T) {
		r := h.Run("", "exec", "--apikey", key)
		cmdtest.ExpectFailure(t, r, 2, "No command to run was given", "Incorrect Usage")
	})
	t.Run("the token has --min-validity left", func(t *testing.T) {
		h := cmdtest.New(t)
		h.LoginUser(4 * time.Minute) // inside the default 5m: renewed first
		r := h.Run("", "exec", "--instance-id", cmdtest.InstanceID, "--kp-endpoint", "http://127.0.0.1:9", "--", "sh", "-c", `printf '%s' "$KP_ACCESS_TOKEN"`)
		if r.Code != 0 || h.IAM.Count() != 1 {
			t.Fatalf("the expiring session token was not renewed before exec (IAM calls %d):\n%s", h.IAM.Count(), r)
		}
	})
}
