package startup

import (
	"os"
	"runtime"
	"strconv"
	"testing"
)

// This test binary initialized the package like kp-token does.
func TestOneProcessorUnlessGOMAXPROCSSays(t *testing.T) {
	want := 1
	if v := os.Getenv("GOMAXPROCS"); v != "" {
		want, _ = strconv.Atoi(v)
	}
	if got := runtime.GOMAXPROCS(0); got != want && tuned {
		t.Fatalf("GOMAXPROCS after init = %d, want %d", got, want)
	}
}
