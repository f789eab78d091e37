package api

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/factory"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// TestAPIIndentsForATerminal: on a terminal the answer is indented (and
// what the server sent made safe); the binary suite cannot give a run a
// terminal, so the run is given one here.
func TestAPIIndentsForATerminal(t *testing.T) {
	// Not cmdtest: it imports the command tree, and so this package.
	iam := iamtest.New()
	defer iam.Close()
	const apikey, instance = "Zk3_Ab9cD8eF7gH6iJ5kL4mN3oP2qR1sT0uV9wX8yZ7a", "0d2a5b8e-1111-4c4c-9d9d-123456789abc"
	iam.AddAPIKey(apikey, iamtest.ServiceID)
	kp := iamtest.NewKeyProtect(iam)
	defer kp.Close()
	kp.AddInstance(instance, 3)
	kp.Allow(instance, iamtest.ServiceID.IAMID)
	key := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(key, []byte(apikey), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(terminal bool, args string) string {
		t.Helper()
		var out, errb bytes.Buffer
		env := map[string]string{"IAM_ENDPOINT": iam.URL}
		f := factory.New(factory.Options{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Locale: "en_US",
			Getenv: func(k string) string { return env[k] }, Environ: func() []string { return nil }})
		c := NewCmdAPI(f, func(o *APIOptions) error {
			if !terminal {
				return apiRun(context.Background(), o)
			}
			if o.Terminal() {
				t.Fatal("a buffer is a terminal")
			}
			o.Terminal = func() bool { return true }
			return apiRun(context.Background(), o)
		})
		c.SetArgs(strings.Fields(args + " --no-cache --apikey @" + key + " --instance-id " + instance + " --kp-endpoint " + kp.URL))
		c.SetOut(io.Discard)
		c.SetErr(io.Discard)
		if err := c.Execute(); err != nil {
			t.Fatalf("%v\n%s", err, errb.String())
		}
		return out.String()
	}
	want := "{\n  \"metadata\": {\n    \"collectionTotal\": 2,\n    \"collectionType\": \"application/vnd.ibm.kms.key+json\"\n  },\n  \"resources\": [\n    {\n      \"extractable\": false,\n      \"id\": \"key-0000\","
	if got := run(true, "/api/v2/keys?limit=2"); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "\n  ]\n}\n") {
		t.Fatalf("one page:\n%s", got)
	}
	if got := run(true, "/api/v2/keys?limit=1 --paginate --jq .metadata"); got != "{\n  \"collectionTotal\": 3,\n  \"collectionType\": \"application/vnd.ibm.kms.key+json\"\n}\n" {
		t.Fatalf("every page, filtered:\n%s", got)
	}
	if got := run(false, "/api/v2/keys?limit=1 --paginate"); !strings.HasPrefix(got, `{"metadata":{"collectionTotal":3,`) || strings.Count(got, "\n") != 1 {
		t.Fatalf("every page for a program:\n%s", got)
	}
	kp.Script(iamtestReply("{\"name\":\"a\u202eb\"}"))
	if got := run(true, "/api/v2/keys"); got != "{\n  \"name\": \"a\\u202eb\"\n}\n" {
		t.Fatalf("hostile text:\n%q", got)
	}
}

func iamtestReply(body string) iamtest.Reply {
	return iamtest.Reply{Status: 200, ContentType: "application/json", Body: body}
}
