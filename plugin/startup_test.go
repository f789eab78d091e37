package plugin_test

import (
	"regexp"
	"testing"
)

// A cached 'get' must start as fast as a plug-in can, and code a package
// runs at start-up (a map literal, a variable set by a call) runs on every
// call of every command. None of kp-token's packages has any: the Go
// runtime's own trace of package initialization lists none of them.
func TestNoPackageInitialization(t *testing.T) {
	h := newHost(t)
	r := h.runEnv(map[string]string{"GODEBUG": "inittrace=1"}, "", "version", "-q")
	if r.code != 0 {
		t.Fatalf("version: %v", r)
	}
	if !regexp.MustCompile(`(?m)^init runtime @`).MatchString(r.stderr) {
		t.Fatalf("no initialization trace; the test cannot see anything:\n%s", r.stderr)
	}
	if m := regexp.MustCompile(`(?m)^init github\.com/kp-token/\S+`).FindAllString(r.stderr, -1); len(m) > 0 {
		t.Fatalf("kp-token packages run code at start-up: %q", m)
	}
}
