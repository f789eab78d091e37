package failure

import (
	"errors"
	"fmt"
	"testing"
)

func TestSecretsScrub(t *testing.T) {
	var s Secrets
	s.Add("short", "Xy9_a8f7Gh2kLm3Np", "")
	got := s.Scrub("key Xy9_a8f7Gh2kLm3Np and short")
	if got != "key [PRIVATE DATA HIDDEN] and short" {
		t.Fatalf("Scrub = %q", got)
	}
}

func TestAs(t *testing.T) {
	f := New("x", nil).WithRemedy("y", nil).Wrap(errors.New("cause"))
	wrapped := fmt.Errorf("ctx: %w", f)
	got, ok := As(wrapped)
	if !ok || got.Cause != "x" || got.Remedy != "y" || got.ExitCode != ExitError {
		t.Fatalf("As = %+v, %v", got, ok)
	}
	if u := Usagef("u", nil); u.ExitCode != ExitUsage || !u.Usage {
		t.Fatalf("Usagef = %+v", u)
	}
}
