package kptoken_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// assertConfigSound checks config.json is whole JSON with a session, and
// that no private copy of it was left behind.
func assertConfigSound(t *testing.T, h *cmdtest.Host) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(h.Home, "config.json"))
	var m map[string]any
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("config.json is damaged: %v %q", err, b)
	}
	if rt, _ := m["IAMRefreshToken"].(string); rt == "" {
		t.Fatal("config.json lost its refresh token: the user is logged out")
	}
	if left, _ := filepath.Glob(filepath.Join(h.Home, ".config.json.kp-token-*")); len(left) != 0 {
		t.Fatalf("copies of the config (refresh token inside) were left: %v", left)
	}
}

func TestParallelRenewalsMakeOneRequest(t *testing.T) {
	h := newHost(t)
	h.LoginUser(time.Minute)
	h.IAM.SetDelay(200 * time.Millisecond)
	const n = 24
	var wg sync.WaitGroup
	results := make([]cmdtest.Result, n)
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = h.Run("", "get", "-q") }()
	}
	wg.Wait()
	for _, r := range results {
		if r.Code != 0 || r.Stdout != results[0].Stdout {
			t.Fatalf("parallel gets disagree:\n%s\n%s", r, results[0])
		}
	}
	if got := h.RefreshRequests(); got != 1 {
		t.Fatalf("%d parallel gets made %d refresh requests, want 1", n, got)
	}
	if h.Session().IAMToken() != strings.TrimSuffix(results[0].Stdout, "\n") {
		t.Fatal("the renewed token is not the one in config.json")
	}
	assertConfigSound(t, h)
}

func TestRenewalKeepsConcurrentConfigChanges(t *testing.T) {
	h := newHost(t)
	h.LoginUser(time.Minute)
	h.IAM.SetDelay(800 * time.Millisecond)
	done := make(chan cmdtest.Result)
	go func() { done <- h.Run("", "get", "-q") }()
	time.Sleep(300 * time.Millisecond)
	// Meanwhile: 'ibmcloud target -r eu-de -g ops'.
	cfg := h.Session()
	cfg.SetRegion(models.Region{Name: "eu-de"})
	cfg.SetResourceGroup(models.ResourceGroup{GUID: "g-ops", Name: "ops"})
	r := <-done
	if r.Code != 0 {
		t.Fatalf("get:\n%s", r)
	}
	after := h.Session()
	if after.CurrentRegion().Name != "eu-de" || after.CurrentResourceGroup().Name != "ops" {
		t.Fatalf("the renewal undid 'ibmcloud target': region %q, group %q", after.CurrentRegion().Name, after.CurrentResourceGroup().Name)
	}
	if after.IAMToken() != strings.TrimSuffix(r.Stdout, "\n") {
		t.Fatal("the renewed token was not written back")
	}
	assertConfigSound(t, h)
}

// TestSignalsDuringRenewal sends SIGTERM, SIGINT and SIGHUP at random moments of
// session renewals: config.json always stays whole and logged in.
func TestSignalsDuringRenewal(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX signals")
	}
	h := newHost(t)
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	t.Logf("seed %d", seed)
	for i := 0; i < 12; i++ {
		h.LoginUser(time.Minute)
		h.IAM.SetDelay(time.Duration(rng.IntN(150)) * time.Millisecond)
		cmd := exec.Command(binary, "get", "-q")
		for k, v := range h.Env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.IntN(250)) * time.Millisecond)
		sig := []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP}[i%3]
		_ = cmd.Process.Signal(sig)
		err := cmd.Wait()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				code = 128 + int(ws.Signal())
			}
		}
		if code != 0 && code != 128+int(sig) {
			t.Fatalf("run %d: exit %d after %v\n%s", i, code, sig, errb.String())
		}
		if strings.Contains(errb.String(), "panic") {
			t.Fatalf("run %d panicked:\n%s", i, errb.String())
		}
		assertConfigSound(t, h)
	}
}

func TestUnusableConfigIsFailedNotPanic(t *testing.T) {
	h := newHost(t)
	cfg := filepath.Join(h.Home, "config.json")
	if err := os.Remove(cfg); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(cfg, 0o700); err != nil { // a folder where the file should be
		t.Fatal(err)
	}
	r := h.Run("", "get")
	if r.Code != 1 || !strings.Contains(r.Stderr, "FAILED") || !strings.Contains(r.Stderr, "The CLI configuration "+cfg+" cannot be read.") ||
		strings.Contains(r.Stderr, "goroutine") || strings.Contains(r.Stderr, "panic") {
		t.Fatalf("want FAILED with the path:\n%s", r)
	}
}

func TestIAMEndpointVariableIsNormalizedForRenewal(t *testing.T) {
	h := newHost(t)
	h.LoginUser(time.Minute, func(s *iamtest.Session) { s.IAMEndpoint = "https://iam.invalid.example" })
	r := h.RunEnv(map[string]string{"IAM_ENDPOINT": h.IAM.URL + "/identity/token/"}, "", "get", "-q")
	if r.Code != 0 || h.RefreshRequests() != 1 {
		t.Fatalf("session renewal with IAM_ENDPOINT=.../identity/token (refreshes %d):\n%s", h.RefreshRequests(), r)
	}
}
