package kptoken_test

import (
	"sync"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
)

// TestManyProcessesOneIAMRequest starts 32 real kp-token processes at once
// with a cold cache: exactly one may reach IAM, and all print its token.
func TestManyProcessesOneIAMRequest(t *testing.T) {
	const n = 32
	h := newHost(t)
	h.IAM.SetDelay(300 * time.Millisecond) // keep the door open for the others
	keyFile := "@" + h.Write("key.json", `{"apikey":"`+cmdtest.ServiceKey+`"}`)
	var wg sync.WaitGroup
	results := make([]cmdtest.Result, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = h.Run("", "get", "--apikey", keyFile, "-q")
		}()
	}
	close(start)
	wg.Wait()
	var first string
	for i, r := range results {
		if r.Code != 0 || r.Stderr != "" {
			t.Fatalf("process %d:\n%s", i, r)
		}
		tok := cmdtest.BearerOf(t, r.Stdout)
		if first == "" {
			first = tok
		}
		if tok != first {
			t.Fatalf("process %d printed another token", i)
		}
	}
	if got := h.IAM.Count(); got != 1 {
		t.Fatalf("%d processes made %d IAM requests, want 1", n, got)
	}
}
