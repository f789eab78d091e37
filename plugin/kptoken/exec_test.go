package kptoken_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/kp-token/kp-token/i18n"
)

func TestExecKeepsCredentialsFromTheCommand(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	h := newHost(t)
	env := map[string]string{"IBMCLOUD_API_KEY": serviceKey, "BLUEMIX_API_KEY": userKey, "IBMCLOUD_CR_TOKEN": crToken, "KP_TEST_KEPT": "kept"}
	credentials := []string{"IBMCLOUD_API_KEY", "BLUEMIX_API_KEY", "IBMCLOUD_CR_TOKEN"}
	args := []string{"exec", "--instance-id", instanceID, "--kp-endpoint", "http://127.0.0.1:9", "--", "sh", "-c", "env"}
	t.Run("removed by default", func(t *testing.T) {
		// IBMCLOUD_API_KEY is the source of the token here.
		r := h.runEnv(env, "", args...)
		if r.code != 0 || !strings.Contains(r.stdout, "\nKP_ACCESS_TOKEN=Bearer ") || !strings.Contains(r.stdout, "\nKP_TEST_KEPT=kept\n") {
			t.Fatalf("exec:\n%s", r)
		}
		for _, name := range credentials {
			if strings.Contains(r.stdout, name+"=") {
				t.Errorf("the command got %s", name)
			}
		}
		assertNoSecrets(t, "the command's environment", r.stdout, serviceKey, userKey, crToken)
	})
	t.Run("kept with --keep-env", func(t *testing.T) {
		r := h.runEnv(env, "", append([]string{"exec", "--keep-env"}, args[1:]...)...)
		for _, kv := range []string{"IBMCLOUD_API_KEY=" + serviceKey, "BLUEMIX_API_KEY=" + userKey, "IBMCLOUD_CR_TOKEN=" + crToken} {
			if r.code != 0 || !strings.Contains(r.stdout, "\n"+kv+"\n") {
				t.Fatalf("want %.20s... in the command's environment (exit %d)", kv, r.code)
			}
		}
	})
}

// TestExecDocumentedForms runs the examples of 'exec --help' (en_US, the
// text every catalog translates around the same command lines) against a
// local Key Protect: the forms that keep the token off curl's command line
// must also work.
func TestExecDocumentedForms(t *testing.T) {
	for _, tool := range []string{"sh", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("no " + tool)
		}
	}
	raw, err := i18n.Catalog("en_US")
	if err != nil {
		t.Fatal(err)
	}
	var cat map[string]any
	if err := json.Unmarshal(raw, &cat); err != nil {
		t.Fatal(err)
	}
	var examples []string
	for _, line := range strings.Split(cat["exec_long"].(string), "\n") {
		if l, ok := strings.CutPrefix(line, "  ibmcloud kp-token "); ok {
			examples = append(examples, l)
		}
	}
	if len(examples) != 2 {
		t.Fatalf("want the exec and the get example in exec_long, got %q", examples)
	}
	h := newHost(t)
	kp := h.withKP()
	key := h.write("key", serviceKey)
	for _, ex := range examples {
		t.Run(strings.Fields(ex)[0], func(t *testing.T) {
			line := strings.Replace(ex, "--instance-id ID", "--instance-id "+instanceID+" --kp-endpoint "+kp.URL+" --apikey @"+key, 1)
			line = strings.ReplaceAll(line, "https://us-south.kms.cloud.ibm.com", kp.URL)
			before := len(kp.Requests())
			sh := exec.Command("sh", "-c", `"$KP_TOKEN_BINARY" `+line)
			for k, v := range h.env {
				sh.Env = append(sh.Env, k+"="+v)
			}
			sh.Env = append(sh.Env, "KP_TOKEN_BINARY="+binary)
			out, err := sh.CombinedOutput()
			reqs := kp.Requests()
			if err != nil || !strings.Contains(string(out), `"collectionTotal"`) || len(reqs) != before+1 {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
			if last := reqs[len(reqs)-1]; !strings.HasPrefix(last.Authorization, "Bearer ") || last.Instance != instanceID {
				t.Fatalf("Key Protect got %+v", last)
			}
		})
	}
}
