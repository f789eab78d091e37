package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// buildPlugin builds kp-token as make build does.
func buildPlugin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kp-token")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "../../..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func TestDemo(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the demo's exec step runs sh")
	}
	bin := buildPlugin(t)

	t.Run("the real plug-in", func(t *testing.T) {
		var out strings.Builder
		if code := demo(&out, bin); code != 0 {
			t.Fatalf("demo exit %d:\n%s", code, out.String())
		}
		text := out.String()
		for _, want := range []string{
			"SDK metadata validator: 0 errors or warnings",
			// instances: the group's name from the Resource Manager, and
			// the instance commands use marked.
			"*  kp-demo  0d2a5b8e-1111-4c4c-9d9d-123456789abc  us-south  Default",
			"IAM token:  Bearer eyJ",
			"Saved to:       kp-automation.json",
			"the only one in the region and the resource group Default.",
			"Keys:      3 visible to this identity",
			"bluemix-instance: 0d2a5b8e-1111-4c4c-9d9d-123456789abc",
			"export KP_INSTANCE_ID='0d2a5b8e-1111-4c4c-9d9d-123456789abc'",
			"key-0002  key 2",
			"my-root-key  extractable: false", // created, then read back
			"service-policy-create ServiceId-",
			"Old API keys deleted:",
			"Le jeton expire le", // fr_FR stderr
			"ECHEC",              // fr_FR failure
			"토큰의 서명은 확인되지 않았습니다.", // ko_KR inspect
			"each ended as it should",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("demo output lacks %q", want)
			}
		}
		if _, err := exec.LookPath("curl"); err == nil && !strings.Contains(text, "key-0002: HTTP 200") {
			t.Error("the job under exec did not reach Key Protect with the header file")
		}
		// The same stdout line in every language.
		if n := strings.Count(text, "IAM token:  Bearer eyJ"); n != 3 {
			t.Errorf("the default line of get shows %d times, want 3 (en, fr, ko)", n)
		}
		if strings.Contains(text, deletedKey) {
			t.Error("the demo shows the API key")
		}
	})

	// A plug-in whose commands all "succeed" fails the demo: the failures
	// it shows are expected, not decoration.
	t.Run("a plug-in that never fails", func(t *testing.T) {
		fake := filepath.Join(t.TempDir(), "kp-token")
		script := "#!/bin/sh\nif [ \"$1\" = SendMetadata ]; then exec '" + bin + "' \"$@\"; fi\necho OK\n"
		if err := os.WriteFile(fake, []byte(script), 0o700); err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		if code := demo(&out, fake); code != 1 || !strings.Contains(out.String(), "FAILED: 3 of 20 commands") {
			t.Fatalf("demo exit %d:\n%s", code, out.String())
		}
	})
}
