package cmdtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// Arrive waits until the held request has been carried out; when it never
// comes, it releases the hold and fails with what the run printed.
func Arrive(t *testing.T, hold *iamtest.Hold, wait func() Result) {
	t.Helper()
	select {
	case <-hold.Arrived:
	case <-time.After(30 * time.Second):
		hold.Release()
		t.Fatalf("the request never came:\n%s", wait())
	}
}

// AssertInOrder fails unless r's stderr holds each of want, in that order.
func AssertInOrder(t *testing.T, r Result, want ...string) {
	t.Helper()
	last := 0
	for _, w := range want {
		i := strings.Index(r.Stderr[last:], w)
		if i < 0 {
			t.Fatalf("want %q (in this order):\n%s", want, r)
		}
		last += i + len(w)
	}
}

// AssertNoKeyFile fails when file, or a temporary file of its write, is
// there.
func AssertNoKeyFile(t *testing.T, file string) {
	t.Helper()
	if _, err := os.Lstat(file); err == nil {
		t.Fatal("a key file was left")
	}
	if temps, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*.tmp-*")); len(temps) > 0 {
		t.Fatalf("temporary files left: %v", temps)
	}
}
