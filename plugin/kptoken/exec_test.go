package kptoken_test

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
)

// TestExecDocumentedForms runs the examples of 'exec --help' (en_US, the
// text every catalog translates around the same command lines) against a
// local Key Protect: the forms that keep the token off curl's command line,
// the header file for long jobs among them, must also work.
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
	for _, line := range strings.Split(cat["exec_long"].(string)+"\n"+cat["exec_files"].(string), "\n") {
		if l, ok := strings.CutPrefix(line, "  ibmcloud kp-token "); ok {
			examples = append(examples, l)
		}
	}
	if len(examples) != 3 {
		t.Fatalf("want the exec and the get example in exec_long and the header file's in exec_files, got %q", examples)
	}
	h := newHost(t)
	kp := h.WithKP()
	key := h.Write("key", cmdtest.ServiceKey)
	for i, ex := range examples {
		t.Run(fmt.Sprint(i, strings.Fields(ex)[0]), func(t *testing.T) {
			line := strings.Replace(ex, "--instance-id ID", "--instance-id "+cmdtest.InstanceID+" --kp-endpoint "+kp.URL+" --apikey @"+key, 1)
			line = strings.ReplaceAll(line, "https://us-south.kms.cloud.ibm.com", kp.URL)
			before := len(kp.Requests())
			sh := exec.Command("sh", "-c", `"$KP_TOKEN_BINARY" `+line)
			for k, v := range h.Env {
				sh.Env = append(sh.Env, k+"="+v)
			}
			sh.Env = append(sh.Env, "KP_TOKEN_BINARY="+binary)
			out, err := sh.CombinedOutput()
			reqs := kp.Requests()
			if err != nil || !strings.Contains(string(out), `"collectionTotal"`) || len(reqs) != before+1 {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
			if last := reqs[len(reqs)-1]; !strings.HasPrefix(last.Authorization, "Bearer ") || last.Instance != cmdtest.InstanceID {
				t.Fatalf("Key Protect got %+v", last)
			}
		})
	}
}

// TestExecForwardsSignals: a TERM sent to kp-token reaches the command,
// which decides, and kp-token ends with its status.
func TestExecForwardsSignals(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	h := newHost(t)
	key := "@" + h.Write("key", cmdtest.ServiceKey)
	r := h.Run("", "exec", "--apikey", key, "--instance-id", cmdtest.InstanceID, "--kp-endpoint", "http://127.0.0.1:9", "--",
		"sh", "-c", `trap 'exit 42' TERM; kill -TERM $PPID; sleep 5 & wait`)
	if r.Code != 42 {
		t.Fatalf("want 42 from the child's TERM trap:\n%s", r)
	}
}
