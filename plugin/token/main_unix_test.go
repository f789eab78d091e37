//go:build !windows

package token

import (
	"os"
	"testing"

	"github.com/kp-token/kp-token/plugin/signals"
)

// TestMain: the tests that end a write with a signal need it delivered,
// even when the test process was started with it ignored.
func TestMain(m *testing.M) {
	signals.UnignoreForTests()
	os.Exit(m.Run())
}
